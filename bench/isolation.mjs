#!/usr/bin/env node
// The cost of running tool code in worker processes (--isolation workers, the default) against
// running it in the server's thread (--isolation none): tools/call throughput and latency at 20
// legacy-SSE sessions, and stateless 2026-07-28 requests 16 in flight. Both modes run in one
// process tree, interleaved round by round, so the ratio compares like with like on a noisy
// machine. `npm run build` first; loopback only; every run is bounded.
import http from 'node:http';
import { writeFile } from 'node:fs/promises';
import { cpus, loadavg } from 'node:os';
import path from 'node:path';
import { createAgent, openSession } from './lean-client.mjs';
import { ROOT, startTarget, toolsDir } from './targets.mjs';

const QUICK = process.argv.includes('--quick');
// Rounds interleave the two modes; on a shared 2-core box one round swings ±30 %, so take 7.
const ROUNDS = QUICK ? 1 : Number(process.env.ROUNDS ?? 7);
const SSE_SESSIONS = 20;
const SSE_CALLS_EACH = QUICK ? 100 : 250;
const MODERN_CALLS = QUICK ? 2000 : 5000;
const MODERN_IN_FLIGHT = 16;
const MODES = ['none', 'workers'];
const ENVELOPE = {
  'io.modelcontextprotocol/protocolVersion': '2026-07-28',
  'io.modelcontextprotocol/clientInfo': { name: 'bench', version: '1' },
  'io.modelcontextprotocol/clientCapabilities': {},
};

const agent = createAgent(256);
const modernAgent = new http.Agent({ keepAlive: true, maxSockets: MODERN_IN_FLIGHT });
const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))];
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

async function sseRun(target) {
  const sessions = await Promise.all(Array.from({ length: SSE_SESSIONS }, () => openSession('sse', target.url, { agent })));
  await Promise.all(sessions.map((s) => s.initialize()));
  const samples = [];
  const cpuBefore = target.treeCpuMs();
  const started = performance.now();
  await Promise.all(
    sessions.map(async (s) => {
      for (let i = 0; i < SSE_CALLS_EACH; i++) {
        const t = performance.now();
        const answer = await s.call('tools/call', { name: 'echo', arguments: { n: i } });
        samples.push(performance.now() - t);
        if (answer?.result?.content?.[0]?.text !== `echo ${i}`) throw new Error(`bad answer ${JSON.stringify(answer)}`);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const cpuUs = ((target.treeCpuMs() - cpuBefore) * 1000) / samples.length;
  sessions.forEach((s) => s.close());
  samples.sort((a, b) => a - b);
  return { rate: samples.length / seconds, p99: percentile(samples, 0.99), cpuUs };
}

function modernCall(url, id) {
  const body = JSON.stringify({ jsonrpc: '2.0', id, method: 'tools/call', params: { name: 'echo', arguments: { n: id }, _meta: ENVELOPE } });
  const headers = {
    'content-type': 'application/json',
    accept: 'application/json, text/event-stream',
    'mcp-protocol-version': '2026-07-28',
    'mcp-method': 'tools/call',
    'mcp-name': 'echo',
  };
  return new Promise((resolve, reject) => {
    const req = http.request(`${url}/mcp`, { method: 'POST', agent: modernAgent, headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (text += d));
      res.on('end', () => (res.statusCode === 200 && text.includes(`echo ${id}`) ? resolve() : reject(new Error(`${res.statusCode}: ${text}`))));
    });
    req.on('error', reject);
    req.end(body);
  });
}

async function modernRun(target) {
  const samples = [];
  let next = 0;
  const cpuBefore = target.treeCpuMs();
  const started = performance.now();
  await Promise.all(
    Array.from({ length: MODERN_IN_FLIGHT }, async () => {
      while (next < MODERN_CALLS) {
        const id = ++next;
        const t = performance.now();
        await modernCall(target.url, id);
        samples.push(performance.now() - t);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const cpuUs = ((target.treeCpuMs() - cpuBefore) * 1000) / samples.length;
  samples.sort((a, b) => a - b);
  return { rate: samples.length / seconds, p99: percentile(samples, 0.99), cpuUs };
}

const dir = await toolsDir();
const results = { sse: { none: [], workers: [] }, modern: { none: [], workers: [] } };
for (let round = 0; round < ROUNDS; round++) {
  // Alternate which mode goes first, so that neither always meets a warmer (or busier) machine.
  for (const mode of round % 2 ? [...MODES].reverse() : MODES) {
    const target = await startTarget('mcp-sse', { dir, args: ['--isolation', mode, '--no-watch'] });
    try {
      // Warm-up: the JIT, and in the isolated mode the worker's side of it too.
      await sseRun(target);
      results.sse[mode].push(await sseRun(target));
      await modernRun(target);
      results.modern[mode].push(await modernRun(target));
    } finally {
      await target.stop();
    }
  }
}

const fmt = (n, d = 0) => n.toFixed(d);
const lines = [
  `## Isolation cost (${new Date().toISOString().slice(0, 10)}${QUICK ? ', --quick' : ''})`,
  '',
  `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, load ${loadavg().map((l) => l.toFixed(2)).join(' ')} at the end; Node ${process.version}; medians of ${ROUNDS} round(s), each after a warm-up run.`,
  '',
  '| path | in-process calls/s | isolated calls/s | isolated / in-process | p99 ms in-process | p99 ms isolated | CPU µs/call in-process | isolated (server + tool workers) |',
  '|---|---|---|---|---|---|---|---|',
];
for (const [name, label] of [['sse', `/sse, ${SSE_SESSIONS} sessions × ${SSE_CALLS_EACH}`], ['modern', `/mcp 2026-07-28, ${MODERN_IN_FLIGHT} in flight × ${MODERN_CALLS}`]]) {
  const none = results[name].none;
  const workers = results[name].workers;
  const [a, b] = [median(none.map((r) => r.rate)), median(workers.map((r) => r.rate))];
  lines.push(
    `| ${label} | ${fmt(a)} | ${fmt(b)} | ${(b / a).toFixed(2)}× | ${fmt(median(none.map((r) => r.p99)), 2)} | ${fmt(median(workers.map((r) => r.p99)), 2)} | ${fmt(median(none.map((r) => r.cpuUs)))} | ${fmt(median(workers.map((r) => r.cpuUs)))} |`,
  );
}
const report = lines.join('\n');
console.log(report);
if (!QUICK) await writeFile(path.join(ROOT, 'bench/RESULTS-isolation.latest.md'), `${report}\n`);
process.exit(0);
