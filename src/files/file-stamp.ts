import { stat } from 'node:fs/promises';

/**
 * A file's identity on disk, enough to tell it was written again: inode, size and mtime.
 * `missing` when it is gone; undefined for anything that is not a file.
 */
export async function stampOf(file: string): Promise<string | undefined> {
  try {
    const s = await stat(file);
    return s.isFile() ? `${s.ino}:${s.size}:${s.mtimeMs}` : undefined;
  } catch {
    return 'missing';
  }
}
