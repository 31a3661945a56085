import { readdir, readlink, realpath, stat } from 'node:fs/promises';
import path from 'node:path';

const SOURCE = /\.(ts|mts|cts|js|mjs|cjs)$/;
const NOT_SERVED = /(\.d\.(ts|mts|cts)|\.(test|spec)\.[^.]+)$/;

/** True for a path segment that hides everything below it: `_private/`, `.git/`, `node_modules/`. */
function isHiddenSegment(segment: string): boolean {
  return segment.startsWith('_') || segment.startsWith('.') || segment === 'node_modules';
}

/** Whether a file under the served folder is itself served (helpers may still be imported). */
export function isServedFile(relativePath: string): boolean {
  const segments = relativePath.split(/[\\/]/);
  const name = segments[segments.length - 1]!;
  return SOURCE.test(name) && !NOT_SERVED.test(name) && !segments.some(isHiddenSegment);
}

/** Whether a change to this path could matter: a source file not inside node_modules or a dot-folder. */
export function isWatchedPath(relativePath: string): boolean {
  const segments = relativePath.split(/[\\/]/);
  return !segments.some((s) => s === 'node_modules' || (s.startsWith('.') && s !== '.' && s !== '..'));
}

/** How many folders deep discovery goes: far past any real tool tree, short of a runaway. */
export const MAX_FOLDER_DEPTH = 32;

/**
 * Every served file under `dir`, as absolute paths, in a stable order. Skips hidden folders
 * without entering them. Links to folders are followed, but a folder (or file) reached twice is
 * served once, at its own path rather than a link's; a link back to a folder it is inside of (a
 * loop, `ln -s . l1`) is skipped and told to `onSkip`, and so is anything deeper than
 * MAX_FOLDER_DEPTH.
 */
export async function listServedFiles(dir: string, onSkip: (message: string) => void = () => {}): Promise<string[]> {
  const found = new Map<string, { file: string; viaLink: boolean }>();
  const walked = new Set<string>();
  const links: { full: string; ancestors: Set<string>; depth: number }[] = [];
  const keep = (key: string, file: string, viaLink: boolean) => {
    const seen = found.get(key);
    if (!seen || (seen.viaLink && !viaLink) || (seen.viaLink === viaLink && file < seen.file)) found.set(key, { file, viaLink });
  };
  const walk = async (folder: string, ancestors: Set<string>, depth: number, viaLink: boolean): Promise<void> => {
    if (depth > MAX_FOLDER_DEPTH) {
      onSkip(`skipped ${path.relative(dir, folder)}: deeper than ${MAX_FOLDER_DEPTH} folders`);
      return;
    }
    const entries = await readdir(folder, { withFileTypes: true });
    await Promise.all(
      entries.map(async (entry) => {
        const full = path.join(folder, entry.name);
        if (entry.isDirectory()) {
          if (isHiddenSegment(entry.name)) return;
          const key = idOf(await stat(full));
          if (walked.has(key)) return;
          walked.add(key);
          await walk(full, new Set(ancestors).add(key), depth + 1, viaLink);
        } else if (entry.isSymbolicLink()) {
          if (isHiddenSegment(entry.name)) return;
          // Links wait until every real folder was walked, so a file is served at its own path.
          links.push({ full, ancestors, depth });
        } else if (isServedFile(path.relative(dir, full))) {
          keep(idOf(await stat(full)), full, viaLink);
        }
      }),
    );
  };
  const rootKey = idOf(await stat(dir));
  const realRoot = await realpath(dir);
  walked.add(rootKey);
  await walk(dir, new Set([rootKey]), 0, false);
  for (let i = 0; i < links.length; i++) {
    const { full, ancestors, depth } = links[i]!;
    const stats = await stat(full).catch(() => undefined); // a dangling link serves nothing
    if (!stats) continue;
    const key = idOf(stats);
    if (stats.isFile()) {
      if (isServedFile(path.relative(dir, full))) keep(key, full, true);
    } else if (stats.isDirectory()) {
      const real = await realpath(full);
      const holdsRoot = realRoot === real || realRoot.startsWith(real + path.sep);
      if (holdsRoot || ancestors.has(key)) onSkip(`symlink loop skipped: ${path.relative(dir, full)} -> ${await readlink(full)} leads back to a folder it is in`);
      else if (!walked.has(key)) {
        walked.add(key);
        await walk(full, new Set(ancestors).add(key), depth + 1, true);
      }
    }
  }
  return [...found.values()].map((f) => f.file).sort();
}

/** One identity per file or folder, whatever path or link reached it. */
function idOf(stats: { dev: number; ino: number }): string {
  return `${stats.dev}:${stats.ino}`;
}
