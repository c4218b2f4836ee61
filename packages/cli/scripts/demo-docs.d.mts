/** The evaluation docs (`eval/docs`). */
export const defaultSource: string;
/** The demo's help centre (`packages/cli/demo/docs`). */
export const defaultTarget: string;
/** The text with the evaluation product's name replaced by the demo's. */
export function rebrand(text: string): string;
/** Writes every document of `source` to `target`, renamed; answers the file names, sorted. */
export function generateDemoDocs(options?: { source?: string; target?: string }): Promise<string[]>;
