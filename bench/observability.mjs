#!/usr/bin/env node
// What the request log and tracing cost: tools/call throughput at 20 legacy-SSE sessions, the log
// off (--log-level warn) against on (info, one line per call into a pipe this process drains),
// tracing off against on (OTLP/HTTP protobuf to a receiver in this process, default batching);
// with ONLY=none, tracing off against on with --isolation none (handlers in the server's process).
// Runs are interleaved (off, on, on, off …) in one process tree, so machine load hits both alike;
// each round's ratio is taken and the median of those is compared. The target is judged on the
// server's event-loop thread (its CPU per call), the resource every session waits on; its whole
// process's CPU (with the span export thread) and the wall-clock rate are printed beside it.
// Spawns the built CLI (npm run build first), loopback only.
import { createServer } from 'node:http';
import { cpus, loadavg } from 'node:os';
import { openSession, pipelined } from './raw-sse.mjs';
import { mainThreadCpuMsOf, startTarget, toolsDir } from './targets.mjs';

const SESSIONS = Number(process.env.SESSIONS ?? 20);
const CALLS = Number(process.env.CALLS ?? 1500); // per session per run
const WINDOW = Number(process.env.WINDOW ?? 8);
const ROUNDS = Number(process.env.ROUNDS ?? 5);

// A collector that takes OTLP exports and drops them: what an exporter costs is on the server's side.
let exported = 0;
const receiver = createServer((req, res) => {
  req.on('data', (chunk) => (exported += chunk.length));
  req.on('end', () => res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end());
});
await new Promise((resolve) => receiver.listen(0, '127.0.0.1', resolve));
const endpoint = `http://127.0.0.1:${receiver.address().port}`;

const TRACE_ENV = { OTEL_EXPORTER_OTLP_ENDPOINT: endpoint, OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf', OTEL_SERVICE_NAME: 'bench' };
const VARIANTS = {
  'log off': { args: ['--log-level', 'warn'] },
  'log on': { args: ['--log-level', 'info'] },
  'tracing off': { args: ['--log-level', 'warn'] },
  'tracing on': { args: ['--log-level', 'warn'], env: TRACE_ENV },
  // Handlers in the server's process: the AsyncLocalStorage context they need is registered.
  'none, tracing off': { args: ['--log-level', 'warn', '--isolation', 'none'] },
  'none, tracing on': { args: ['--log-level', 'warn', '--isolation', 'none'], env: TRACE_ENV },
};
// `none`: not the default, so measured (ONLY=none) but held to no target.
const PAIRS = [
  ['log off', 'log on'],
  ['tracing off', 'tracing on'],
  ['none, tracing off', 'none, tracing on'],
].filter(([off]) => (process.env.ONLY ? off.startsWith(process.env.ONLY) : !off.startsWith('none')));

const dir = await toolsDir(1);

async function measure(variant) {
  const { args, env } = VARIANTS[variant];
  const target = await startTarget('mcp-sse', { dir, args, env });
  try {
    const sessions = await Promise.all(Array.from({ length: SESSIONS }, () => openSession(target.url)));
    await Promise.all(sessions.map((s) => s.initialize()));
    // Warm-up: JIT, the tool's first calls, the exporter's first batch.
    await Promise.all(sessions.map((s) => pipelined(s, 200, WINDOW)));
    const started = performance.now();
    const cpuBefore = target.cpuMs();
    // The event loop alone: what every session waits on, and so what bounds throughput while a
    // core is free for the span export thread.
    const mainBefore = mainThreadCpuMsOf(target.pid);
    await Promise.all(sessions.map((s) => pipelined(s, CALLS, WINDOW)));
    const seconds = (performance.now() - started) / 1000;
    const cpuUsPerCall = ((target.cpuMs() - cpuBefore) * 1000) / (SESSIONS * CALLS);
    const mainUsPerCall = ((mainThreadCpuMsOf(target.pid) - mainBefore) * 1000) / (SESSIONS * CALLS);
    for (const s of sessions) s.close();
    if (variant === 'log on' && !/tools\/call echo ok/.test(target.stderr())) throw new Error('log on printed no request lines');
    return { rate: (SESSIONS * CALLS) / seconds, cpu: cpuUsPerCall, main: mainUsPerCall };
  } finally {
    await target.stop();
  }
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
// The VM's speed drifts within a run, so each cost is the median of the ratios taken within a
// round (off and on measured back to back), not the ratio of the medians.
const results = Object.fromEntries(Object.keys(VARIANTS).map((v) => [v, []]));
for (let round = 0; round < ROUNDS; round++) {
  for (const [off, on] of PAIRS) {
    // Alternate which goes first, so a trend in machine load favours neither.
    for (const variant of round % 2 ? [on, off] : [off, on]) results[variant].push(await measure(variant));
  }
  process.stderr.write(`round ${round + 1}/${ROUNDS} done\n`);
}
receiver.close();

console.log(`# ${new Date().toISOString()} · node ${process.version} · ${cpus().length} cores · load ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
console.log(`${SESSIONS} SSE sessions × ${CALLS} calls × ${ROUNDS} rounds, window ${WINDOW}; medians (all runs)\n`);
console.log('| variant | event-loop thread µs/call | process CPU µs/call | calls/s | cost: event loop | cost: process CPU | cost: calls/s | target |');
console.log('|---|---|---|---|---|---|---|---|');
let failed = false;
for (const [off, on] of PAIRS) {
  const of = (v, key) => median(results[v].map((r) => r[key]));
  // Cost as lost throughput: 1 − (work per call off) / (work per call on), per round.
  const cost = (key) => 1 - 1 / median(results[on].map((r, i) => r[key] / results[off][i][key]));
  const main = cost('main');
  const cpu = cost('cpu');
  const wall = 1 - median(results[on].map((r, i) => r.rate / results[off][i].rate));
  const limit = off === 'log off' ? 0.05 : off === 'tracing off' ? 0.15 : undefined;
  // Throughput is bounded by the event loop, which everything but the span export thread shares.
  failed ||= limit !== undefined && main > limit;
  const runs = (v) => results[v].map((r) => r.main.toFixed(1)).join(', ');
  const pct = (x) => `${(x * 100).toFixed(1)} %`;
  console.log(`| ${off} | ${of(off, 'main').toFixed(1)} (${runs(off)}) | ${of(off, 'cpu').toFixed(1)} | ${Math.round(of(off, 'rate'))} | | | | |`);
  console.log(`| ${on} | ${of(on, 'main').toFixed(1)} (${runs(on)}) | ${of(on, 'cpu').toFixed(1)} | ${Math.round(of(on, 'rate'))} | ${pct(main)} | ${pct(cpu)} | ${pct(wall)} | ${limit === undefined ? '(none)' : `≤ ${limit * 100} % ${main > limit ? '✗' : '✓'}`} |`);
}
console.log(`\nspans exported to the receiver: ${(exported / 2 ** 20).toFixed(1)} MB`);
process.exitCode = failed ? 1 : 0;
