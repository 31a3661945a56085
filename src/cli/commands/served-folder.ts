import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';

/**
 * Why `dir` cannot be served (missing, or a file), as one line with a near match and the way to
 * start; undefined when it is a folder. Serving a typo would print `ready` with zero tools.
 */
export function servedFolderProblem(dir: string, { from }: { from?: string } = {}): string | undefined {
  let isFile = false;
  try {
    if (statSync(dir).isDirectory()) return undefined;
    isFile = true;
  } catch {
    // missing (or unreadable, which reads the same to the user)
  }
  const shown = from ? `${dir} (dir in ${from})` : dir;
  const what = isFile ? `${shown} is a file, not a folder: serve takes the folder that holds tool files` : `${shown} does not exist`;
  const near = nearFolder(dir);
  const hint = near ? ` (did you mean ${near}?)` : '';
  return `${what}${hint}; to start a project: mcp-sse init`;
}

/** A sibling folder whose name is a likely typo of `dir`'s, in the spelling the user used. */
export function nearFolder(dir: string): string | undefined {
  const parent = path.dirname(path.resolve(dir));
  const wanted = stem(path.basename(path.resolve(dir)));
  let names: string[];
  try {
    names = readdirSync(parent, { withFileTypes: true })
      .filter((e) => e.isDirectory() && !e.name.startsWith('.') && e.name !== 'node_modules')
      .map((e) => e.name);
  } catch {
    return undefined;
  }
  const limit = Math.max(1, Math.floor(wanted.length / 3));
  const scored = names
    .filter((name) => name !== path.basename(path.resolve(dir)))
    .map((name) => ({ name, d: distance(wanted.toLowerCase(), name.toLowerCase()) }))
    .filter(({ name, d }) => d <= limit || (wanted.length >= 3 && name.toLowerCase().startsWith(wanted.toLowerCase())))
    .sort((a, b) => a.d - b.d);
  const best = scored[0]?.name;
  if (!best) return undefined;
  const shown = path.join(path.dirname(dir), best);
  return dir.startsWith('./') && !shown.startsWith('.') ? `./${shown}` : shown;
}

function stem(name: string): string {
  return name.replace(/\.[cm]?[jt]s$/, '');
}

/** Levenshtein distance; names are short. */
function distance(a: string, b: string): number {
  let row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const next = [i];
    for (let j = 1; j <= b.length; j++) next[j] = Math.min(row[j]! + 1, next[j - 1]! + 1, row[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    row = next;
  }
  return row[b.length]!;
}

/**
 * For a folder of TypeScript tool files with no config and no mcp-sse an editor can find, the
 * one line that says how to get types without installing anything; undefined otherwise.
 */
export function typesHint(dir: string): string | undefined {
  const root = path.resolve(dir);
  let names: string[];
  try {
    names = readdirSync(root);
  } catch {
    return undefined;
  }
  if (!names.some((n) => /\.[cm]?ts$/.test(n) && !n.endsWith('.d.ts'))) return undefined;
  for (let at = root; ; at = path.dirname(at)) {
    if (['tsconfig.json', 'jsconfig.json'].some((n) => exists(path.join(at, n)))) return undefined;
    if (exists(path.join(at, 'node_modules', 'mcp-sse')) || exists(path.join(at, 'package.json'))) return undefined;
    if (path.dirname(at) === at) break;
  }
  return `hint: editors find no types for mcp-sse and zod in ${dir}; \`mcp-sse init --bare ${dir}\` gives them types, with nothing to install`;
}

function exists(file: string): boolean {
  try {
    statSync(file);
    return true;
  } catch {
    return false;
  }
}
