import { readdir } from 'node:fs/promises';

/** What is already in the folder a project would be written to (`.git` alone counts as empty). */
export async function existingEntries(dir: string): Promise<string[] | undefined> {
  try {
    const entries = await readdir(dir);
    return entries.filter((e) => e !== '.git').sort();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** "a, b, c and 4 more", for a refusal that says what is there. */
export function describeEntries(entries: string[], max = 8): string {
  const shown = entries.slice(0, max).join(', ');
  return entries.length > max ? `${shown} and ${entries.length - max} more` : shown;
}
