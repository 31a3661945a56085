#!/usr/bin/env node
// Scale-out benchmark: `--workers 2` against one process, and the latency a relay adds (through
// Redis between two instances, and between two workers when a connection lands on the wrong one).
// Spawns the built CLI (npm run build first). The client is as cheap as we can make it, because it
// shares the machine's cores with the server: raw HTTP/1.1 over one keep-alive socket per session
// for POSTs (so the primary can pin that connection to the session's worker), one GET stream per
// session parsed by hand. Rounds are interleaved and medians reported, as the machine is shared.
// Server CPU is read from /proc for the server's processes (primary and workers). Loopback only.
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import http from 'node:http';
import net from 'node:net';
import { cpus, loadavg } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { toolsDir } from './targets.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
// MCP_SSE_BIN: another build to compare with (e.g. a checkout of an older commit).
const BIN = process.env.MCP_SSE_BIN ?? path.join(ROOT, 'bin/mcp-sse.js');
const SESSIONS = Number(process.env.SESSIONS ?? 40);
const CALLS = Number(process.env.CALLS ?? 500);
const ROUNDS = Number(process.env.ROUNDS ?? 5);
const LATENCY_SAMPLES = Number(process.env.LATENCY_SAMPLES ?? 300);
const WARMUP_CALLS = Number(process.env.WARMUP_CALLS ?? 100);
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

/** HTTP/1.1 POSTs written by hand over one keep-alive socket; answers are matched in order. */
function rawConnection(baseUrl) {
  const { hostname, port } = new URL(baseUrl);
  const socket = net.connect(Number(port), hostname);
  socket.setNoDelay(true);
  const waiting = [];
  let buffer = Buffer.alloc(0);
  socket.on('data', (chunk) => {
    buffer = buffer.length ? Buffer.concat([buffer, chunk]) : chunk;
    for (;;) {
      const end = buffer.indexOf('\r\n\r\n');
      if (end < 0) return;
      const head = buffer.toString('latin1', 0, end);
      // The server's answers are tiny: one chunk at most when chunked.
      const chunked = /transfer-encoding: *chunked/i.test(head);
      const last = chunked ? buffer.indexOf('\r\n0\r\n\r\n', end + 4) : -1;
      if (chunked && last < 0) return;
      const length = chunked ? last + 7 - (end + 4) : Number(/content-length: *(\d+)/i.exec(head)?.[1] ?? 0);
      if (buffer.length < end + 4 + length) return;
      const status = Number(head.slice(9, 12));
      const body = buffer.toString('utf8', end + 4, end + 4 + length);
      buffer = buffer.subarray(end + 4 + length);
      waiting.shift()?.({ status, body });
    }
  });
  socket.on('error', (error) => waiting.splice(0).forEach((w) => w({ status: 0, body: String(error) })));
  return {
    post(pathAndQuery, body) {
      // One write per request: one syscall here, one read on the server.
      socket.write(`POST ${pathAndQuery} HTTP/1.1\r\nHost: ${hostname}:${port}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
      return new Promise((resolve) => waiting.push(resolve));
    },
    close: () => socket.destroy(),
  };
}

/** `GET /sse` written by hand on a socket of its own; calls `onEvent(text)` for each SSE event. */
function rawEventStream(baseUrl, onEvent) {
  const { hostname, port } = new URL(baseUrl);
  const socket = net.connect(Number(port), hostname);
  socket.setNoDelay(true);
  socket.write(`GET /sse HTTP/1.1\r\nHost: ${hostname}:${port}\r\nAccept: text/event-stream\r\n\r\n`);
  let raw = Buffer.alloc(0);
  let headDone = false;
  let text = '';
  socket.on('data', (chunk) => {
    raw = raw.length ? Buffer.concat([raw, chunk]) : chunk;
    if (!headDone) {
      const end = raw.indexOf('\r\n\r\n');
      if (end < 0) return;
      headDone = true;
      raw = raw.subarray(end + 4);
    }
    // Chunked transfer encoding: <hex size>\r\n<data>\r\n ...
    for (;;) {
      const line = raw.indexOf('\r\n');
      if (line < 0) break;
      const size = parseInt(raw.toString('latin1', 0, line), 16);
      if (raw.length < line + 2 + size + 2) break;
      text += raw.toString('utf8', line + 2, line + 2 + size);
      raw = raw.subarray(line + 2 + size + 2);
    }
    let cut;
    while ((cut = text.indexOf('\n\n')) >= 0) {
      onEvent(text.slice(0, cut));
      text = text.slice(cut + 2);
    }
  });
  return socket;
}

/** One legacy-SSE session: a GET stream parsed by hand, POSTs over `connection` (its own by default). */
function openSession(streamBase, connection) {
  return new Promise((resolve, reject) => {
    const waiting = new Map();
    let endpoint;
    const req = rawEventStream(streamBase, (frame) => {
      const at = frame.indexOf('data: ');
      if (at < 0) return;
      const data = frame.slice(at + 6);
      if (frame.startsWith('event: endpoint')) {
        endpoint = data;
        connection ??= rawConnection(streamBase);
        resolve(session);
      } else {
        const message = JSON.parse(data);
        waiting.get(message.id)?.(message);
        waiting.delete(message.id);
      }
    });
    req.on('error', reject);
    let nextId = 0;
    const session = {
      get connection() {
        return connection;
      },
      async call(method, params, over = connection) {
        const id = ++nextId;
        const answered = new Promise((r) => waiting.set(id, r));
        const { status, body } = await over.post(endpoint, JSON.stringify({ jsonrpc: '2.0', id, method, params }));
        if (status !== 202) throw new Error(`POST ${status}: ${body}`);
        return answered;
      },
      async initialize() {
        await this.call('initialize', { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'bench', version: '1' } });
        const { status } = await connection.post(endpoint, JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }));
        if (status !== 202) throw new Error(`POST ${status}`);
      },
      async worker() {
        const answer = await this.call('tools/call', { name: 'worker', arguments: {} });
        return answer.result.content[0].text;
      },
      close() {
        req.destroy();
        connection?.close();
      },
    };
  });
}

/** The banner comes from worker 1: wait until every worker answers /healthz, so sessions spread over all. */
async function untilWorkersReady(url, count) {
  const seen = new Set();
  while (seen.size < count) {
    const body = await new Promise((resolve, reject) => {
      http.get(`${url}/healthz`, { agent: false }, (res) => {
        let text = '';
        res.on('data', (d) => (text += d));
        res.on('end', () => resolve(JSON.parse(text)));
      }).on('error', reject);
    });
    seen.add(body.worker);
    if (seen.size < count) await new Promise((r) => setTimeout(r, 50));
  }
}

async function throughput(server, workers) {
  if (workers > 1) await untilWorkersReady(server.url, workers);
  const sessions = await Promise.all(Array.from({ length: SESSIONS }, () => openSession(server.url)));
  await Promise.all(sessions.map((s) => s.initialize()));
  const holders = {};
  for (const s of sessions) {
    const worker = await s.worker();
    holders[worker] = (holders[worker] ?? 0) + 1;
  }
  const run = (calls) =>
    Promise.all(sessions.map(async (s) => {
      for (let i = 0; i < calls; i++) await s.call('tools/call', { name: 'echo', arguments: { n: i } });
    }));
  await run(WARMUP_CALLS); // JIT in every worker, connections
  const pids = processTree(server.pid);
  const serverBefore = cpuSeconds(pids);
  const primaryBefore = cpuSeconds([server.pid]);
  const clientBefore = process.cpuUsage();
  const started = performance.now();
  await run(CALLS);
  const seconds = (performance.now() - started) / 1000;
  const serverCpu = cpuSeconds(pids) - serverBefore;
  const primaryCpu = cpuSeconds([server.pid]) - primaryBefore;
  const client = process.cpuUsage(clientBefore);
  sessions.forEach((s) => s.close());
  const calls = SESSIONS * CALLS;
  return {
    callsPerSecond: calls / seconds,
    serverCpuUsPerCall: (serverCpu * 1e6) / calls,
    primaryCpuUsPerCall: pids.length > 1 ? (primaryCpu * 1e6) / calls : 0,
    clientCpuUsPerCall: (client.user + client.system) / calls,
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
console.log(`machine: ${cpus().length} × ${cpus()[0].model}; load average before: ${loadavg()[0].toFixed(2)}; ${SESSIONS} sessions × ${CALLS} calls, ${ROUNDS} rounds`);

// Throughput, interleaved: one process and --workers 2 alternate, each round starting fresh servers.
const rounds = [];
for (let round = 0; round < ROUNDS; round++) {
  const order = round % 2 === 0 ? ['one', 'two'] : ['two', 'one'];
  const result = {};
  for (const setup of order) {
    const server = await startServer(dir, setup === 'two' ? ['--workers', '2'] : []);
    result[setup] = await throughput(server, setup === 'two' ? 2 : 1);
    await server.stop();
  }
  rounds.push(result);
  console.log(
    `round ${round + 1}: 1 process ${result.one.callsPerSecond.toFixed(0)}/s (server ${result.one.serverCpuUsPerCall.toFixed(0)} µs CPU/call), ` +
      `--workers 2 ${result.two.callsPerSecond.toFixed(0)}/s (server ${result.two.serverCpuUsPerCall.toFixed(0)} µs CPU/call, primary ${result.two.primaryCpuUsPerCall.toFixed(1)}, sessions per worker ${JSON.stringify(result.two.holders)}), ` +
      `ratio ${(result.two.callsPerSecond / result.one.callsPerSecond).toFixed(2)}×; client ${result.one.clientCpuUsPerCall.toFixed(0)}/${result.two.clientCpuUsPerCall.toFixed(0)} µs CPU/call; load ${loadavg()[0].toFixed(1)}`,
  );
}

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

const med = (setup, key) => median(rounds.map((r) => r[setup][key]));
const ratios = rounds.map((r) => r.two.callsPerSecond / r.one.callsPerSecond);
const cpuRatio = med('two', 'serverCpuUsPerCall') / med('one', 'serverCpuUsPerCall');
const ms = (x) => x.toFixed(2);
const [s1, s2, c] = [med('one', 'serverCpuUsPerCall'), med('two', 'serverCpuUsPerCall'), med('one', 'clientCpuUsPerCall')];
const projectedShared = 2 / (s2 + c) / Math.min(1 / s1, 2 / (s1 + c));
const projectedAlone = 2 / s2 / (1 / s1);
const rows = [
  ['tools/call throughput, 1 process', `${med('one', 'callsPerSecond').toFixed(0)} calls/s`, ''],
  ['tools/call throughput, --workers 2', `${med('two', 'callsPerSecond').toFixed(0)} calls/s`, `median ratio ${median(ratios).toFixed(2)}× (rounds: ${ratios.map((r) => r.toFixed(2)).join(', ')}; target ≥ 1.6×)`],
  ['server CPU per call, 1 process', `${med('one', 'serverCpuUsPerCall').toFixed(0)} µs`, ''],
  ['server CPU per call, --workers 2 (primary + workers)', `${med('two', 'serverCpuUsPerCall').toFixed(0)} µs`, `${cpuRatio.toFixed(2)}× of one process`],
  ['client CPU per call', `${med('one', 'clientCpuUsPerCall').toFixed(0)} µs`, ''],
  // What the CPU figures imply on 2 cores nobody else uses: one process is bound by one core.
  ['projected ratio, 2 idle cores shared with this client', `${projectedShared.toFixed(2)}×`, 'from CPU per call, not measured'],
  ['projected ratio, client on another machine', `${projectedAlone.toFixed(2)}×`, 'from CPU per call, not measured'],
  ['latency, session and POSTs on one instance', `p50 ${ms(viaRedis.direct.p50)} ms, p99 ${ms(viaRedis.direct.p99)} ms`, ''],
  ['latency, POSTs relayed through another instance (Redis)', `p50 ${ms(viaRedis.relayed.p50)} ms, p99 ${ms(viaRedis.relayed.p99)} ms`, `+${ms(viaRedis.relayed.p50 - viaRedis.direct.p50)} ms at p50 (target ≤ 1 ms)`],
  ['latency, --workers 2, connection routed to the holder', `p50 ${ms(viaWorkers.direct.p50)} ms, p99 ${ms(viaWorkers.direct.p99)} ms`, ''],
  ['latency, --workers 2, connection held by the other worker (relayed)', `p50 ${ms(viaWorkers.relayed.p50)} ms, p99 ${ms(viaWorkers.relayed.p99)} ms`, `+${ms(viaWorkers.relayed.p50 - viaWorkers.direct.p50)} ms at p50`],
];
console.log('\n| scenario | result | vs. baseline |\n|---|---|---|');
for (const row of rows) console.log(`| ${row.join(' | ')} |`);
console.log(`\nload average after: ${loadavg()[0].toFixed(2)}`);
process.exit(0);
