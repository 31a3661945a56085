// Self time of a .cpuprofile, by function and by file or package: what the profile scripts print.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { ROOT } from './targets.mjs';

/** `by: 'package'` groups node_modules by package; `'file'` keeps each file apart. */
export async function printProfile(dir, file, { by = 'file', functions = 25, groups = 20 } = {}) {
  const profile = JSON.parse(await readFile(path.join(dir, file), 'utf8'));
  const dt = new Map();
  profile.samples.forEach((id, i) => dt.set(id, (dt.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const total = [...dt.values()].reduce((a, b) => a + b, 0);
  const self = new Map();
  const grouped = new Map();
  for (const node of profile.nodes) {
    const t = dt.get(node.id) ?? 0;
    const { functionName, url, lineNumber } = node.callFrame;
    const short = url.replace(/^.*node_modules\//, '').replace(`file://${ROOT}/`, '');
    const key = `${functionName || '(anonymous)'} ${short}:${lineNumber + 1}`;
    self.set(key, (self.get(key) ?? 0) + t);
    const pkg = by === 'package' ? short.split('/').slice(0, short.startsWith('@') ? 2 : 1).join('/') : short;
    const where = short.startsWith('node:') ? short : pkg || functionName;
    grouped.set(where, (grouped.get(where) ?? 0) + t);
  }
  const top = (map, n) => [...map].sort((a, b) => b[1] - a[1]).slice(0, n).map(([k, v]) => `${((100 * v) / total).toFixed(1).padStart(5)}%  ${k}`);
  console.log(`\nself time by function (${file}):\n${top(self, functions).join('\n')}`);
  console.log(`\nself time by ${by === 'package' ? 'package / file' : 'file'}:\n${top(grouped, groups).join('\n')}`);
}
