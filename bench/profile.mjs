#!/usr/bin/env node
// Profiles one target under the throughput load: `node bench/profile.mjs [mcp-sse|sdk|node:http]
// [sse|http] [sessions] [calls]`; with 0 calls it profiles opening the sessions instead. Runs the server with `node --cpu-prof`, then prints the
// functions with the most self time and the heaviest files. The .cpuprofile stays in
// bench/profiles/ for Chrome DevTools.
import { mkdir, readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { createAgent, openSession } from './lean-client.mjs';
import { ROOT, startTarget, toolsDir } from './targets.mjs';

const [name = 'mcp-sse', transport = 'sse', sessions = '20', calls = '1000'] = process.argv.slice(2);
const profiles = path.join(ROOT, 'bench/profiles');
await mkdir(profiles, { recursive: true });
const before = new Set(await readdir(profiles));
const target = await startTarget(name, { dir: await toolsDir(), nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${profiles}`] });
const agent = createAgent(256);
let started = performance.now();
const open = [];
let opening = 0;
// 100 at a time, as the idle-sessions scenario opens them.
await Promise.all(Array.from({ length: Math.min(100, Number(sessions)) }, async () => {
  while (opening++ < Number(sessions)) {
    const s = await openSession(transport, target.url, { agent });
    open.push(s);
    await s.initialize();
  }
}));
if (Number(calls) === 0) console.log(`opened ${sessions} sessions in ${(performance.now() - started).toFixed(0)} ms`);
started = performance.now();
await Promise.all(open.map(async (s) => {
  for (let i = 0; i < Number(calls); i++) await s.call('tools/call', { name: 'echo', arguments: { n: i } });
}));
const rate = (Number(sessions) * Number(calls)) / ((performance.now() - started) / 1000);
open.forEach((s) => s.close());
await target.stop();
console.log(`${name} over ${transport}: ${rate.toFixed(0)} calls/s while profiled`);

const file = (await readdir(profiles)).find((f) => !before.has(f));
const profile = JSON.parse(await readFile(path.join(profiles, file), 'utf8'));
const self = new Map();
const byFile = new Map();
const dt = new Map();
profile.samples.forEach((id, i) => dt.set(id, (dt.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
const total = [...dt.values()].reduce((a, b) => a + b, 0);
for (const node of profile.nodes) {
  const t = dt.get(node.id) ?? 0;
  const { functionName, url, lineNumber } = node.callFrame;
  const short = url.replace(/^.*node_modules\//, '').replace(`file://${ROOT}/`, '');
  const key = `${functionName || '(anonymous)'} ${short}:${lineNumber + 1}`;
  self.set(key, (self.get(key) ?? 0) + t);
  const where = short.startsWith('node:') ? short : short.split('/').slice(0, short.startsWith('@') ? 2 : 1).join('/') || functionName;
  byFile.set(where, (byFile.get(where) ?? 0) + t);
}
const top = (map, n) => [...map].sort((a, b) => b[1] - a[1]).slice(0, n).map(([k, v]) => `${((100 * v) / total).toFixed(1).padStart(5)}%  ${k}`);
console.log(`\nself time by function (${file}):\n${top(self, 30).join('\n')}`);
console.log(`\nself time by package / file:\n${top(byFile, 15).join('\n')}`);
