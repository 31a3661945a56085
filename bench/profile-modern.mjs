#!/usr/bin/env node
// Profiles a target under stateless 2026-07-28 tools/call load (16 in flight, keep-alive):
// `node bench/profile-modern.mjs [mcp-sse|sdk-v2|node:http] [calls]`. Prints the functions with
// the most self time and the heaviest files; the .cpuprofile stays in bench/profiles/.
import http from 'node:http';
import { mkdir, readdir } from 'node:fs/promises';
import path from 'node:path';
import { printProfile } from './cpu-profile.mjs';
import { ROOT, startTarget, toolsDir } from './targets.mjs';

const [name = 'mcp-sse', calls = '20000'] = process.argv.slice(2);
const profiles = path.join(ROOT, 'bench/profiles');
await mkdir(profiles, { recursive: true });
const before = new Set(await readdir(profiles));
// mcp-sse's own entry, as eras.mjs measures it: tool code in the server process (PROFILE_ARGS='' for the default).
const args = name === 'mcp-sse' ? (process.env.PROFILE_ARGS ?? '--isolation none').split(' ').filter(Boolean) : [];
const target = await startTarget(name, { dir: await toolsDir(), args, nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${profiles}`] });
const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });
const meta = { 'io.modelcontextprotocol/protocolVersion': '2026-07-28', 'io.modelcontextprotocol/clientInfo': { name: 'p', version: '1' }, 'io.modelcontextprotocol/clientCapabilities': {} };
const headers = { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-protocol-version': '2026-07-28', 'mcp-method': 'tools/call', 'mcp-name': 'echo' };
const call = (id) =>
  new Promise((resolve, reject) => {
    const req = http.request(`${target.url}/mcp`, { method: 'POST', agent, headers }, (res) => {
      res.resume();
      res.on('end', resolve);
    });
    req.on('error', reject);
    req.end(JSON.stringify({ jsonrpc: '2.0', id, method: 'tools/call', params: { name: 'echo', arguments: { n: id }, _meta: meta } }));
  });
let next = 0;
const started = performance.now();
await Promise.all(Array.from({ length: 16 }, async () => {
  while (next < Number(calls)) await call(++next);
}));
console.log(`${name}: ${(Number(calls) / ((performance.now() - started) / 1000)).toFixed(0)} calls/s while profiled`);
agent.destroy();
await target.stop();

const file = (await readdir(profiles)).find((f) => !before.has(f));
await printProfile(profiles, file, { by: 'file', functions: 25, groups: 20 });
