#!/usr/bin/env node
// Scale-out benchmark: `--workers 2` against one process, and the latency a cross-instance relay
// adds. Spawns the built CLI (npm run build first) and drives it with a lean raw-HTTP SSE client,
// so the client costs as little CPU as possible on a small machine. Loopback only, bounded.
import { spawn } from 'node:child_process';
import { mkdtemp, mkdir, writeFile } from 'node:fs/promises';
import { tmpdir, cpus, loadavg } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createAgent, openSseSession } from './lean-client.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const BIN = path.join(ROOT, 'bin/mcp-sse.js');
const SESSIONS = Number(process.env.SESSIONS ?? 20);
const CALLS = Number(process.env.CALLS ?? 300);

async function toolsDir() {
  const dir = await mkdtemp(path.join(tmpdir(), 'mcp-sse-bench-'));
  await mkdir(path.join(dir, 'tools'));
  await writeFile(
    path.join(dir, 'tools/echo.ts'),
    `import { z } from 'zod';\nimport { defineTool } from 'mcp-sse';\nexport default defineTool({ input: { n: z.number() }, handler: ({ n }) => 'echo ' + n });\n`,
  );
  return path.join(dir, 'tools');
}

function startServer(dir, args) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, 'serve', dir, '--port', '0', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    const onData = (d) => {
      out += d;
      const m = /Streamable HTTP\s+(\S+)\/mcp/.exec(out);
      if (m) resolve({ url: m[1], stop: () => new Promise((r) => (child.once('exit', r), child.kill('SIGTERM'))) });
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => reject(new Error(`server exited ${code}: ${out}`)));
  });
}

const agent = createAgent(256);
const openSession = (streamBase, postBase = streamBase) => openSseSession(streamBase, { agent, postBase });

async function throughput(url) {
  const sessions = await Promise.all(Array.from({ length: SESSIONS }, () => openSession(url)));
  await Promise.all(sessions.map((s) => s.initialize()));
  const started = performance.now();
  await Promise.all(sessions.map(async (s) => {
    for (let i = 0; i < CALLS; i++) await s.call('tools/call', { name: 'echo', arguments: { n: i } });
  }));
  const seconds = (performance.now() - started) / 1000;
  sessions.forEach((s) => s.close());
  return (SESSIONS * CALLS) / seconds;
}

async function latencies(streamBase, postBase, count = 1000) {
  const session = await openSession(streamBase, postBase);
  await session.initialize();
  for (let i = 0; i < 100; i++) await session.call('tools/call', { name: 'echo', arguments: { n: i } }); // warm-up
  const samples = [];
  for (let i = 0; i < count; i++) {
    const t = performance.now();
    await session.call('tools/call', { name: 'echo', arguments: { n: i } });
    samples.push(performance.now() - t);
  }
  session.close();
  samples.sort((x, y) => x - y);
  return { p50: samples[Math.floor(count * 0.5)], p99: samples[Math.floor(count * 0.99)] };
}

function startRedis() {
  return new Promise((resolve, reject) => {
    const port = 20000 + Math.floor(Math.random() * 20000);
    const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: ['ignore', 'pipe', 'ignore'] });
    child.stdout.on('data', (d) => String(d).includes('Ready to accept') && resolve({ url: `redis://127.0.0.1:${port}`, stop: () => child.kill() }));
    child.once('exit', () => reject(new Error('redis-server exited')));
  });
}

const dir = await toolsDir();
const load = loadavg()[0].toFixed(2);
console.log(`machine: ${cpus().length} × ${cpus()[0].model}; load average before: ${load}; ${SESSIONS} sessions × ${CALLS} calls`);

const single = await startServer(dir, []);
const one = await throughput(single.url);
await single.stop();
const workers = await startServer(dir, ['--workers', '2']);
const two = await throughput(workers.url);
await workers.stop();

const redis = await startRedis();
const [a, b] = await Promise.all([startServer(dir, ['--redis', redis.url]), startServer(dir, ['--redis', redis.url])]);
const direct = await latencies(a.url, a.url);
const relayed = await latencies(a.url, b.url);
await Promise.all([a.stop(), b.stop()]);
redis.stop();

const rows = [
  ['tools/call throughput, 1 process', `${one.toFixed(0)} calls/s`, ''],
  ['tools/call throughput, --workers 2', `${two.toFixed(0)} calls/s`, `${(two / one).toFixed(2)}× (target ≥ 1.6×)`],
  ['latency, session and POSTs on one instance', `p50 ${direct.p50.toFixed(2)} ms, p99 ${direct.p99.toFixed(2)} ms`, ''],
  ['latency, POSTs relayed through another instance', `p50 ${relayed.p50.toFixed(2)} ms, p99 ${relayed.p99.toFixed(2)} ms`, `+${(relayed.p50 - direct.p50).toFixed(2)} ms at p50 (target ≤ 1 ms)`],
];
console.log('\n| scenario | result | vs. baseline |\n|---|---|---|');
for (const row of rows) console.log(`| ${row.join(' | ')} |`);
console.log(`\nload average after: ${loadavg()[0].toFixed(2)}`);
process.exit(0);
