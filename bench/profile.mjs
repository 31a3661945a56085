#!/usr/bin/env node
// Profiles one target under the throughput load: `node bench/profile.mjs [mcp-sse|sdk|node:http]
// [sse|http] [sessions] [calls]`; with 0 calls it profiles opening the sessions instead. Runs the server with `node --cpu-prof`, then prints the
// functions with the most self time and the heaviest files. The .cpuprofile stays in
// bench/profiles/ for Chrome DevTools.
import { mkdir, readdir } from 'node:fs/promises';
import path from 'node:path';
import { createAgent, openSession } from './lean-client.mjs';
import { printProfile } from './cpu-profile.mjs';
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
await printProfile(profiles, file, { by: 'package', functions: 30, groups: 15 });
