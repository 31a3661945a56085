#!/usr/bin/env node
// stdio tools/call throughput: `mcp-sse serve DIR --stdio` against a bare SDK v1 McpServer on
// StdioServerTransport (bench/baselines/sdk-stdio.mjs), in one run, in alternating rounds so both
// see the same machine. The client is this process: raw newline-delimited JSON-RPC on the child's
// pipes, WINDOW requests in flight (pipelined), no SDK on the client side. Also measured: mcp-sse
// in the 2026-07-28 era (every request carries the `_meta` envelope). `npm run build` first;
// `-- --quick` for a short run, `-- --out=FILE` to keep the report.
import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { cpus, loadavg } from 'node:os';
import path from 'node:path';
import { ROOT, toolsDir, rssOf, cpuMsOf } from './targets.mjs';

const QUICK = process.argv.includes('--quick');
const CALLS = QUICK ? 5000 : 20000;
const WARMUP = 1000;
const WINDOW = 64;
const ROUNDS = QUICK ? 1 : 3;
const ENVELOPE = {
  'io.modelcontextprotocol/protocolVersion': '2026-07-28',
  'io.modelcontextprotocol/clientInfo': { name: 'bench', version: '1' },
  'io.modelcontextprotocol/clientCapabilities': {},
};

function start(command, args, cwd) {
  const child = spawn(process.execPath, [command, ...args], { cwd, stdio: ['pipe', 'pipe', 'ignore'] });
  const waiting = new Map();
  let buffer = '';
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (chunk) => {
    buffer += chunk;
    let nl;
    while ((nl = buffer.indexOf('\n')) >= 0) {
      const line = buffer.slice(0, nl);
      buffer = buffer.slice(nl + 1);
      const message = JSON.parse(line);
      if (message.id === undefined) continue;
      const resolve = waiting.get(message.id);
      waiting.delete(message.id);
      resolve?.(message);
    }
  });
  let nextId = 0;
  const request = (method, params) =>
    new Promise((resolve) => {
      const id = ++nextId;
      waiting.set(id, resolve);
      child.stdin.write(`${JSON.stringify({ jsonrpc: '2.0', id, method, params })}\n`);
    });
  const notify = (method) => child.stdin.write(`${JSON.stringify({ jsonrpc: '2.0', method })}\n`);
  const stop = () => new Promise((resolve) => (child.once('exit', resolve), child.stdin.end()));
  return { child, request, notify, stop };
}

/** `count` tools/call with WINDOW always in flight; checks every answer. */
async function calls(server, count, modern) {
  let next = 0;
  const lane = async () => {
    while (next < count) {
      const n = next++;
      const params = { name: 'echo', arguments: { n }, ...(modern && { _meta: ENVELOPE }) };
      const answer = await server.request('tools/call', params);
      if (answer.result?.content?.[0]?.text !== `echo ${n}`) throw new Error(`bad answer: ${JSON.stringify(answer)}`);
    }
  };
  const t0 = performance.now();
  await Promise.all(Array.from({ length: WINDOW }, lane));
  return count / ((performance.now() - t0) / 1000);
}

async function measure(name, command, args, cwd, modern = false) {
  const server = start(command, args, cwd);
  if (!modern) {
    const init = await server.request('initialize', { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'bench', version: '1' } });
    if (!init.result) throw new Error(`${name}: initialize failed: ${JSON.stringify(init)}`);
    server.notify('notifications/initialized');
  }
  await calls(server, WARMUP, modern);
  // Server CPU per call as well as throughput: on a shared machine the wall clock moves with the
  // neighbours' load, the CPU a call costs much less.
  const cpu0 = cpuMsOf(server.child.pid);
  const rate = await calls(server, CALLS, modern);
  const cpuUs = ((cpuMsOf(server.child.pid) - cpu0) * 1000) / CALLS;
  const rss = rssOf(server.child.pid);
  await server.stop();
  return { rate, rss, cpuUs };
}

const dir = await toolsDir(1);
const targets = [
  { name: 'mcp-sse --stdio (2025)', command: path.join(ROOT, 'bin/mcp-sse.js'), args: ['serve', dir, '--stdio', '--no-watch', '--log-level', 'warn'] },
  { name: 'bare SDK v1 stdio', command: path.join(ROOT, 'bench/baselines/sdk-stdio.mjs'), args: [] },
  { name: 'mcp-sse --stdio (2026-07-28)', command: path.join(ROOT, 'bin/mcp-sse.js'), args: ['serve', dir, '--stdio', '--no-watch', '--log-level', 'warn'], modern: true },
];
const rates = new Map(targets.map((t) => [t.name, []]));
const cpus_ = new Map(targets.map((t) => [t.name, []]));
const lines = [];
const out = (line) => (console.log(line), lines.push(line));
out(`# ${CALLS} tools/call per round, ${WINDOW} in flight, ${ROUNDS} round(s), ${cpus().length} CPUs, load ${loadavg()[0].toFixed(2)}, node ${process.version}`);
for (let round = 1; round <= ROUNDS; round++) {
  for (const t of targets) {
    const { rate, rss, cpuUs } = await measure(t.name, t.command, t.args, ROOT, t.modern);
    rates.get(t.name).push(rate);
    cpus_.get(t.name).push(cpuUs);
    out(`round ${round}  ${t.name.padEnd(30)} ${rate.toFixed(0).padStart(7)} calls/s  server CPU ${cpuUs.toFixed(0).padStart(4)} µs/call  rss ${Math.round(rss / 1024 / 1024)} MB`);
  }
}
const best = (name) => Math.max(...rates.get(name));
const leastCpu = (name) => Math.min(...cpus_.get(name));
const ratio = best('mcp-sse --stdio (2025)') / best('bare SDK v1 stdio');
out(`least server CPU per call: mcp-sse (2025) ${leastCpu('mcp-sse --stdio (2025)').toFixed(0)} µs, bare SDK ${leastCpu('bare SDK v1 stdio').toFixed(0)} µs: ${(leastCpu('bare SDK v1 stdio') / leastCpu('mcp-sse --stdio (2025)')).toFixed(2)}× cheaper; mcp-sse (2026-07-28) ${leastCpu('mcp-sse --stdio (2026-07-28)').toFixed(0)} µs`);
out(`best of rounds: mcp-sse (2025) ${best('mcp-sse --stdio (2025)').toFixed(0)} calls/s, bare SDK ${best('bare SDK v1 stdio').toFixed(0)} calls/s: ${ratio.toFixed(2)}× (target ≥ 1.5×); mcp-sse (2026-07-28) ${best('mcp-sse --stdio (2026-07-28)').toFixed(0)} calls/s`);
const outFile = process.argv.find((a) => a.startsWith('--out='))?.slice(6);
if (outFile) await writeFile(outFile, `${lines.join('\n')}\n`);
