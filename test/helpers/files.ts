import { readdir } from 'node:fs/promises';
import path from 'node:path';

/** Every file under `root`, as sorted '/'-separated paths relative to it (node_modules skipped). */
export async function listFiles(root: string): Promise<string[]> {
  const entries = await readdir(root, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => path.relative(root, path.join(e.parentPath, e.name)).split(path.sep).join('/'))
    .filter((f) => !f.split('/').includes('node_modules'))
    .sort();
}
