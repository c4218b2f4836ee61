import type { Dirent, Stats } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { DocType } from '../../entities/enums.js';
import { decodeText } from './decode-text.js';
import {
  documentFromText,
  formatFromExtension,
  type LoaderSink,
  type LoadOutcome,
} from './loaded-document.js';
import { SkipError } from './skip-reason.js';

/** Limits of local loading; see `IngestLimits`. */
export interface LocalLimits {
  maxBytesPerPage: number;
  maxFiles: number;
}

interface Defaults {
  docType?: DocType;
  category?: string;
}

async function loadFile(
  path: string,
  stats: Stats,
  limits: LocalLimits,
  defaults: Defaults,
  sink: LoaderSink,
): Promise<void> {
  const sourceUrl = pathToFileURL(path).href;
  try {
    const format = formatFromExtension(path);
    if (!format) {
      throw new SkipError(
        'not-text',
        `${path} is not a Markdown (.md), HTML (.html, .htm) or plain text (.txt) file.`,
      );
    }
    if (stats.size > limits.maxBytesPerPage) {
      throw new SkipError(
        'too-large',
        `${path} is ${stats.size} bytes, over the limit of ${limits.maxBytesPerPage} bytes.`,
      );
    }
    let bytes: Uint8Array;
    try {
      bytes = await readFile(path);
    } catch (error) {
      throw new SkipError(
        'unreachable',
        `${path} could not be read: ${(error as Error).message}.`,
        { cause: error },
      );
    }
    const text = decodeText(bytes, { format });
    const { document } = documentFromText(text, format, sourceUrl);
    document.lastUpdated = stats.mtime;
    if (defaults.docType && !document.docType) document.docType = defaults.docType;
    if (defaults.category && !document.category) document.category = defaults.category;
    await sink({ type: 'document', document });
  } catch (error) {
    if (!(error instanceof SkipError)) throw error;
    await sink({ type: 'skipped', location: sourceUrl, error });
  }
}

/** Files of a folder, depth first in name order; dot entries, node_modules and symbolic links are left out. */
async function listFiles(
  folder: string,
  limit: number,
): Promise<{ files: string[]; truncated: boolean }> {
  const files: string[] = [];
  const walk = async (directory: string): Promise<boolean> => {
    let entries: Dirent[];
    try {
      entries = await readdir(directory, { withFileTypes: true });
    } catch {
      return true;
    }
    entries.sort((left, right) => (left.name < right.name ? -1 : left.name > right.name ? 1 : 0));
    for (const entry of entries) {
      if (entry.name.startsWith('.') || entry.name === 'node_modules') continue;
      const path = join(directory, entry.name);
      if (entry.isDirectory()) {
        if (!(await walk(path))) return false;
      } else if (entry.isFile()) {
        if (files.length >= limit) return false;
        files.push(path);
      }
    }
    return true;
  };
  const finished = await walk(folder);
  return { files, truncated: !finished };
}

/**
 * Loads a local file or every file of a folder (recursively): Markdown (`.md`,
 * `.markdown`), HTML (`.html`, `.htm`) and plain text (`.txt`). Each document's
 * source URL is its `file://` URL and its last update the file's mtime; other
 * files are reported as skipped.
 *
 * @throws SkipError when the path itself does not exist: the whole source is skipped.
 */
export async function loadPath(
  source: { path: string } & Defaults,
  limits: LocalLimits,
  sink: LoaderSink,
): Promise<LoadOutcome> {
  const absolute = resolve(source.path);
  let stats: Stats;
  try {
    stats = await stat(absolute);
  } catch (error) {
    throw new SkipError('unreachable', `${absolute} does not exist or cannot be read.`, {
      cause: error,
    });
  }
  if (stats.isFile()) {
    await loadFile(absolute, stats, limits, source, sink);
    return { complete: true };
  }
  if (!stats.isDirectory()) {
    throw new SkipError('not-text', `${absolute} is neither a file nor a folder.`);
  }
  const { files, truncated } = await listFiles(absolute, limits.maxFiles);
  for (const file of files) {
    let fileStats: Stats;
    try {
      fileStats = await stat(file);
    } catch (error) {
      await sink({
        type: 'skipped',
        location: pathToFileURL(file).href,
        error: new SkipError('unreachable', `${file} could not be read.`, { cause: error }),
      });
      continue;
    }
    await loadFile(file, fileStats, limits, source, sink);
  }
  if (truncated) {
    await sink({
      type: 'skipped',
      location: pathToFileURL(absolute).href,
      error: new SkipError(
        'limit',
        `${absolute} holds more than ${limits.maxFiles} files: only the first ${limits.maxFiles} were read. Raise maxFiles to ingest them all.`,
      ),
    });
  }
  return { complete: !truncated };
}
