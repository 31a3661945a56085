#!/usr/bin/env node
// Scale-out benchmark: `--workers 2` against one process, and the latency a relay adds (through
// Redis between two instances, and between two workers when a connection lands on the wrong one).
// Spawns the built CLI (npm run build first). The throughput client (bench/scale-load.mjs, its own
// process) is as cheap as we can make it, because it shares the machine's cores with the server:
// legacy-SSE sessions over raw sockets (bench/raw-sse.mjs), POSTs pipelined on one keep-alive
// socket per session (so the primary pins that connection to the session's worker), answers
// counted rather than parsed, at nice 19 so it runs on what the server leaves. Rounds are
// interleaved and medians reported. Server CPU is read from /proc for the server's processes
// (primary and workers). Loopback only.
import { execFileSync, fork, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { cpus, loadavg, setPriority } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { openSession, rawConnection, untilWorkersReady } from './raw-sse.mjs';
import { toolsDir } from './targets.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
// MCP_SSE_BIN: another build to compare with (e.g. a checkout of an older commit).
const BIN = process.env.MCP_SSE_BIN ?? path.join(ROOT, 'bin/mcp-sse.js');
const SESSIONS = Number(process.env.SESSIONS ?? 40);
const CALLS = Number(process.env.CALLS ?? 2000);
const ROUNDS = Number(process.env.ROUNDS ?? 5);
const LATENCY_SAMPLES = Number(process.env.LATENCY_SAMPLES ?? 300);
// Per session, before measuring: enough for every worker's JIT and heap to reach their steady state
// (with 100, two workers measured 1.3x the CPU per call of one process; with 1000, the same).
const WARMUP_CALLS = Number(process.env.WARMUP_CALLS ?? 1000);
// Which transports the throughput rounds use: sse, http or both.
const TRANSPORTS = (process.env.TRANSPORTS ?? 'sse,http').split(',');
// Calls each session keeps in flight during the throughput runs.
const WINDOW = Number(process.env.WINDOW ?? 32);
// The load process's niceness: at 19 it runs on the CPU the server leaves, as a client on
// another machine would, instead of taking turns with the workers; 0 shares the cores evenly.
const CLIENT_NICE = Number(process.env.CLIENT_NICE ?? 19);
const CLK_TCK = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;

/** The suite's `echo` tool, plus one that names the worker answering. */
async function scaleToolsDir() {
  const dir = await toolsDir();
  await writeFile(
    path.join(dir, 'worker.ts'),
    `import { defineTool } from 'mcp-sse';\nexport default defineTool({ handler: () => String(process.env.MCP_SSE_WORKER_ID) });\n`,
  );
  return dir;
}

function startServer(dir, args) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, 'serve', dir, '--port', '0', '--no-watch', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    const onData = (d) => {
      out += d;
      const m = /Streamable HTTP\s+(\S+)\/mcp/.exec(out);
      if (m) resolve({ url: m[1], pid: child.pid, stop: () => new Promise((r) => (child.once('exit', r), child.kill('SIGTERM'))) });
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => reject(new Error(`server exited ${code}: ${out}`)));
  });
}

/** A process and all its descendants (the primary and its workers). */
function processTree(pid) {
  let children = [];
  try {
    children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {}
  return [pid, ...children.flatMap(processTree)];
}

/** User + system CPU seconds used so far by these processes (from /proc/<pid>/stat). */
function cpuSeconds(pids) {
  let ticks = 0;
  for (const pid of pids) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ticks += Number(fields[11]) + Number(fields[12]); // utime, stime
    } catch {}
  }
  return ticks / CLK_TCK;
}

/** The next message from a forked process; rejects if it exits first. */
function nextMessage(child) {
  return new Promise((resolve, reject) => {
    const onExit = (code) => reject(new Error(`load process exited ${code}`));
    child.once('exit', onExit);
    child.once('message', (message) => (child.off('exit', onExit), resolve(message)));
  });
}

async function throughput(server, workers, transport) {
  const settings = { url: server.url, transport, workers, sessions: SESSIONS, calls: CALLS, warmup: WARMUP_CALLS, window: WINDOW };
  const load = fork(path.join(ROOT, 'bench/scale-load.mjs'), [JSON.stringify(settings)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  setPriority(load.pid, CLIENT_NICE);
  const { holders } = await nextMessage(load);
  const pids = processTree(server.pid);
  const serverBefore = cpuSeconds(pids);
  const primaryBefore = cpuSeconds([server.pid]);
  load.send('go');
  const { seconds, cpuUs } = await nextMessage(load);
  const serverCpu = cpuSeconds(pids) - serverBefore;
  const primaryCpu = cpuSeconds([server.pid]) - primaryBefore;
  const calls = SESSIONS * CALLS;
  return {
    callsPerSecond: calls / seconds,
    serverCpuUsPerCall: (serverCpu * 1e6) / calls,
    primaryCpuUsPerCall: pids.length > 1 ? (primaryCpu * 1e6) / calls : 0,
    clientCpuUsPerCall: cpuUs / calls,
    processes: pids.length,
    holders,
  };
}

async function sample(session, count, over) {
  const samples = [];
  for (let i = 0; i < count; i++) {
    const t = performance.now();
    await session.call('tools/call', { name: 'echo', arguments: { n: i } }, over);
    samples.push(performance.now() - t);
  }
  return samples;
}

function percentiles(samples) {
  const sorted = [...samples].sort((x, y) => x - y);
  return { p50: sorted[Math.floor(sorted.length * 0.5)], p99: sorted[Math.floor(sorted.length * 0.99)] };
}

/** Latency direct vs relayed, sampled in alternating chunks so both see the same machine load. */
async function alternate(direct, relayed) {
  const a = [];
  const b = [];
  for (let i = 0; i < 100; i++) await direct(1), await relayed(1); // warm-up
  for (let round = 0; round < 10; round++) {
    a.push(...(await direct(LATENCY_SAMPLES / 10)));
    b.push(...(await relayed(LATENCY_SAMPLES / 10)));
  }
  return { direct: percentiles(a), relayed: percentiles(b) };
}

function startRedis() {
  return new Promise((resolve, reject) => {
    const port = 20000 + Math.floor(Math.random() * 20000);
    const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: ['ignore', 'pipe', 'ignore'] });
    child.stdout.on('data', (d) => String(d).includes('Ready to accept') && resolve({ url: `redis://127.0.0.1:${port}`, stop: () => child.kill() }));
    child.once('exit', () => reject(new Error('redis-server exited')));
  });
}

const median = (values) => [...values].sort((x, y) => x - y)[Math.floor(values.length / 2)];
const dir = await scaleToolsDir();
console.log(
  `machine: ${cpus().length} × ${cpus()[0].model}; load average before: ${loadavg()[0].toFixed(2)}; ${SESSIONS} sessions × ${CALLS} calls ` +
    `(after ${WARMUP_CALLS} warm-up), ${WINDOW} in flight per session, client at nice ${CLIENT_NICE}, ${ROUNDS} rounds`,
);

/** Throughput, interleaved: one process and --workers 2 alternate, each round starting fresh servers. */
async function rounds(transport) {
  const all = [];
  for (let round = 0; round < ROUNDS; round++) {
    const order = round % 2 === 0 ? ['one', 'two'] : ['two', 'one'];
    const result = {};
    for (const setup of order) {
      const server = await startServer(dir, setup === 'two' ? ['--workers', '2'] : []);
      try {
        result[setup] = await throughput(server, setup === 'two' ? 2 : 1, transport);
      } finally {
        await server.stop(); // a failed load process must not leave the server behind
      }
    }
    all.push(result);
    console.log(
      `${transport} round ${round + 1}: 1 process ${result.one.callsPerSecond.toFixed(0)}/s (server ${result.one.serverCpuUsPerCall.toFixed(0)} µs CPU/call), ` +
        `--workers 2 ${result.two.callsPerSecond.toFixed(0)}/s (server ${result.two.serverCpuUsPerCall.toFixed(0)} µs CPU/call, primary ${result.two.primaryCpuUsPerCall.toFixed(1)}, sessions per worker ${JSON.stringify(result.two.holders)}), ` +
        `ratio ${(result.two.callsPerSecond / result.one.callsPerSecond).toFixed(2)}×; client ${result.one.clientCpuUsPerCall.toFixed(0)}/${result.two.clientCpuUsPerCall.toFixed(0)} µs CPU/call; load ${loadavg()[0].toFixed(1)}`,
    );
  }
  return all;
}

const measured = {};
for (const transport of TRANSPORTS) measured[transport] = await rounds(transport);

// Relay through Redis: stream on A, POSTs to B.
const redis = await startRedis();
const [a, b] = await Promise.all([startServer(dir, ['--redis', redis.url]), startServer(dir, ['--redis', redis.url])]);
const onA = await openSession(a.url);
await onA.initialize();
const toB = rawConnection(b.url);
const viaRedis = await alternate((n) => sample(onA, n), (n) => sample(onA, n, toB));
onA.close();
toB.close();
await Promise.all([a.stop(), b.stop()]);
redis.stop();

// Relay between workers: a connection the primary pinned to worker B carrying POSTs for a session on A.
const workers = await startServer(dir, ['--workers', '2']);
await untilWorkersReady(workers.url, 2);
const sessions = [];
const byWorker = new Map();
while (byWorker.size < 2 && sessions.length < 20) {
  const s = await openSession(workers.url);
  await s.initialize();
  sessions.push(s);
  byWorker.set(await s.worker(), s);
}
if (byWorker.size < 2) throw new Error('sessions did not land on both workers');
const [sessionOnA, sessionOnB] = [...byWorker.values()];
const pinnedToB = sessionOnB.connection; // its first request was for B's session
const viaWorkers = await alternate((n) => sample(sessionOnA, n), (n) => sample(sessionOnA, n, pinnedToB));
sessions.forEach((s) => s.close());
await workers.stop();

const ms = (x) => x.toFixed(2);
const LABEL = { sse: 'legacy SSE', http: 'Streamable HTTP' };
const throughputRows = (transport) => {
  const all = measured[transport];
  const med = (setup, key) => median(all.map((r) => r[setup][key]));
  const ratios = all.map((r) => r.two.callsPerSecond / r.one.callsPerSecond);
  const cpuRatio = med('two', 'serverCpuUsPerCall') / med('one', 'serverCpuUsPerCall');
  const what = LABEL[transport];
  return [
    [`tools/call throughput, ${what}, 1 process`, `${med('one', 'callsPerSecond').toFixed(0)} calls/s`, ''],
    [`tools/call throughput, ${what}, --workers 2`, `${med('two', 'callsPerSecond').toFixed(0)} calls/s`, `median ratio ${median(ratios).toFixed(2)}× (rounds: ${ratios.map((r) => r.toFixed(2)).join(', ')}; target ≥ 1.6×)`],
    [`server CPU per call, ${what}, 1 process / --workers 2`, `${med('one', 'serverCpuUsPerCall').toFixed(0)} / ${med('two', 'serverCpuUsPerCall').toFixed(0)} µs`, `${cpuRatio.toFixed(2)}× of one process`],
    [`client CPU per call, ${what}, 1 process / --workers 2`, `${med('one', 'clientCpuUsPerCall').toFixed(0)} / ${med('two', 'clientCpuUsPerCall').toFixed(0)} µs`, `client at nice ${CLIENT_NICE}`],
  ];
};
const rows = [
  ...TRANSPORTS.flatMap(throughputRows),
  ['latency, session and POSTs on one instance', `p50 ${ms(viaRedis.direct.p50)} ms, p99 ${ms(viaRedis.direct.p99)} ms`, ''],
  ['latency, POSTs relayed through another instance (Redis)', `p50 ${ms(viaRedis.relayed.p50)} ms, p99 ${ms(viaRedis.relayed.p99)} ms`, `+${ms(viaRedis.relayed.p50 - viaRedis.direct.p50)} ms at p50 (target ≤ 1 ms)`],
  ['latency, --workers 2, connection routed to the holder', `p50 ${ms(viaWorkers.direct.p50)} ms, p99 ${ms(viaWorkers.direct.p99)} ms`, ''],
  ['latency, --workers 2, connection held by the other worker (relayed)', `p50 ${ms(viaWorkers.relayed.p50)} ms, p99 ${ms(viaWorkers.relayed.p99)} ms`, `+${ms(viaWorkers.relayed.p50 - viaWorkers.direct.p50)} ms at p50`],
];
console.log('\n| scenario | result | vs. baseline |\n|---|---|---|');
for (const row of rows) console.log(`| ${row.join(' | ')} |`);
console.log(`\nload average after: ${loadavg()[0].toFixed(2)}`);
process.exit(0);
