/** A published package: its folder and manifest. */
export interface PublishedPackage {
  dir: string;
  manifest: { name: string; version: string; private?: boolean };
}
/** The published (non-private) packages under `packages/` of `root`, by name. */
export function publishedPackages(root: string): Map<string, PublishedPackage>;
/** The package names the pending changesets of `root` bump. */
export function packagesInChangesets(root: string): Set<string>;
/** Runs `changeset version` in `root` and checks that every bumped package got its CHANGELOG entry. */
export function versionPackages(root: string): {
  versions: Record<string, { from: string; to: string }>;
  problems: string[];
};
