import { readdir } from 'node:fs/promises';
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

/** Every served file under `dir`, as absolute paths, in a stable order. Skips hidden folders without entering them. */
export async function listServedFiles(dir: string): Promise<string[]> {
  const files: string[] = [];
  const walk = async (folder: string): Promise<void> => {
    const entries = await readdir(folder, { withFileTypes: true });
    await Promise.all(
      entries.map(async (entry) => {
        const full = path.join(folder, entry.name);
        if (entry.isDirectory()) {
          if (!isHiddenSegment(entry.name)) await walk(full);
        } else if (isServedFile(path.relative(dir, full))) {
          files.push(full);
        }
      }),
    );
  };
  await walk(dir);
  return files.sort();
}
