#!/usr/bin/env node
// Protocol eras on /mcp, interleaved in one run: a stateless 2026-07-28 tools/call of `echo` on
// mcp-sse, on a bare SDK v2 server (createMcpHandler + toNodeHandler, as its docs mount it) and
// on a node:http floor (parses the body, answers fixed JSON); plus mcp-sse's 2025 paths (a
// Streamable HTTP session and a legacy SSE session). Then the memory of open subscriptions/listen
// streams. Each server is its own child process; raw HTTP over keep-alive, loopback only.
// mcp-sse runs with `--isolation none` (its handlers in the server's process, as the SDK v2
// baseline's are): this measures the entry, not the tool workers. `mcp-sse-workers` (the default,
// tool code in worker processes) runs the 2026-07-28 path in the same rounds, as its own line;
// bench/isolation.mjs measures what the workers cost. "server CPU" is the server's process and its
// children (tool workers).
//   npm run build && node bench/eras.mjs
//   BASE_BIN=/path/to/older/bin/mcp-sse.js adds an older build of mcp-sse to the same rounds
//   (also with `--isolation none`; BASE_ARGS='' for a build older than that option).
//   ERAS=2026 leaves out the 2025 sessions, so mcp-sse's server serves 2026-07-28 calls only.
import http from 'node:http';
import { cpus, loadavg } from 'node:os';
import { openListens } from './lean-client.mjs';
import { startTarget, toolsDir } from './targets.mjs';

const CALLS = Number(process.env.CALLS ?? 4000);
const CONCURRENCY = Number(process.env.CONCURRENCY ?? 16);
const ROUNDS = Number(process.env.ROUNDS ?? 3);
const STREAMS = Number(process.env.STREAMS ?? 10_000);
const MODERN = '2026-07-28';
const ENVELOPE = {
  'io.modelcontextprotocol/protocolVersion': MODERN,
  'io.modelcontextprotocol/clientInfo': { name: 'bench', version: '1' },
  'io.modelcontextprotocol/clientCapabilities': {},
};

const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });

function post(url, body, headers = {}) {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: 'POST', agent, headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (text += d));
      res.on('end', () => (res.statusCode < 300 ? resolve({ headers: res.headers, text }) : reject(new Error(`POST ${url} ${res.statusCode}: ${text}`))));
    });
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

function modernCaller(base) {
  const headers = { 'mcp-protocol-version': MODERN, 'mcp-method': 'tools/call', 'mcp-name': 'echo' };
  return (id) => post(`${base}/mcp`, { jsonrpc: '2.0', id, method: 'tools/call', params: { name: 'echo', arguments: { n: id }, _meta: ENVELOPE } }, headers);
}

async function streamableSession(base) {
  const url = `${base}/mcp`;
  const init = await post(url, { jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'bench', version: '1' } } });
  const headers = { 'mcp-session-id': init.headers['mcp-session-id'], 'mcp-protocol-version': '2025-11-25' };
  await post(url, { jsonrpc: '2.0', method: 'notifications/initialized' }, headers);
  return (id) => post(url, { jsonrpc: '2.0', id, method: 'tools/call', params: { name: 'echo', arguments: { n: id } } }, headers);
}

/** A legacy SSE session: POSTs to /messages, answers read off the one event stream. */
function sseSession(base) {
  return new Promise((resolve, reject) => {
    const waiting = new Map();
    http.get(`${base}/sse`, { headers: { accept: 'text/event-stream' }, agent: false }, (res) => {
      let buffer = '';
      let endpoint;
      res.setEncoding('utf8');
      res.on('data', async (chunk) => {
        buffer += chunk;
        let end;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const event = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const data = /^data: (.*)$/m.exec(event)?.[1];
          if (data === undefined) continue;
          if (!endpoint) {
            endpoint = new URL(data, base).href;
            await post(endpoint, { jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'bench', version: '1' } } });
            continue;
          }
          const message = JSON.parse(data);
          if (message.id === 0) {
            await post(endpoint, { jsonrpc: '2.0', method: 'notifications/initialized' });
            resolve((id) => new Promise((done, fail) => (waiting.set(id, done), post(endpoint, { jsonrpc: '2.0', id, method: 'tools/call', params: { name: 'echo', arguments: { n: id } } }).catch(fail))));
          } else {
            waiting.get(message.id)?.({ text: data });
            waiting.delete(message.id);
          }
        }
      });
    }).on('error', reject);
  });
}

async function drive(call, calls = CALLS, target) {
  const cpuBefore = target?.treeCpuMs();
  const latencies = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < calls) {
        const id = ++next;
        const t = performance.now();
        const { text } = await call(id);
        if (!text.includes(`echo ${id}`)) throw new Error(`wrong answer for ${id}: ${text}`);
        latencies.push(performance.now() - t);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const cpuUs = target ? ((target.treeCpuMs() - cpuBefore) * 1000) / calls : NaN;
  latencies.sort((a, b) => a - b);
  const at = (q) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))];
  return { rate: calls / seconds, p50: at(0.5), p99: at(0.99), cpuUs };
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

const dir = await toolsDir();
// ONLY=mcp-sse,mcp-sse-before narrows the run to some of the targets (profiling, quick checks).
const names = ['node:http', 'sdk-v2', 'mcp-sse', 'mcp-sse-workers', ...(process.env.BASE_BIN ? ['mcp-sse-before'] : [])].filter(
  (name) => !process.env.ONLY || process.env.ONLY.split(',').includes(name),
);
const argsOf = (name) =>
  name === 'mcp-sse-workers' ? [] : name === 'mcp-sse-before' ? (process.env.BASE_ARGS ?? '--isolation none').split(' ').filter(Boolean) : ['--isolation', 'none'];
const targets = Object.fromEntries(
  await Promise.all(names.map(async (name) => [name, await startTarget(name, { dir, args: argsOf(name), bin: name === 'mcp-sse-before' ? process.env.BASE_BIN : undefined })])),
);
try {
  console.log(`# ${CALLS} tools/call of echo per run, ${CONCURRENCY} in flight over keep-alive, ${ROUNDS} interleaved rounds, ${cpus().length} CPUs, load ${loadavg()[0].toFixed(2)}`);
  const runs = [];
  for (const name of names) {
    const target = targets[name];
    runs.push([`2026-07-28 ${name}`, modernCaller(target.url), target]);
    if ((name === 'mcp-sse' || name === 'mcp-sse-before') && process.env.ERAS !== '2026') {
      runs.push([`2025 streamable ${name}`, await streamableSession(target.url), target]);
      runs.push([`2025 legacy SSE ${name}`, await sseSession(target.url), target]);
    }
  }
  // The 2026-07-28 runs first and the floor beside mcp-sse, so that each round's ratios compare
  // runs made seconds apart: this VM's speed drifts by 2x over a minute, even with nothing else on it.
  const order = ['2026-07-28 node:http', '2026-07-28 mcp-sse', '2026-07-28 sdk-v2'];
  const rank = ([label]) => (order.includes(label) ? order.indexOf(label) : label.startsWith('2026') ? order.length : order.length + 1);
  runs.sort((a, b) => rank(a) - rank(b));
  // Warm every path (JIT, first allocations) before measuring.
  for (const [, call] of runs) await drive(call, 500);
  const results = new Map(runs.map(([label]) => [label, []]));
  for (let round = 1; round <= ROUNDS; round++) {
    for (const [label, call, target] of runs) {
      const r = await drive(call, CALLS, target);
      results.get(label).push(r);
      console.log(`round ${round}  ${label.padEnd(34)} ${String(Math.round(r.rate)).padStart(6)} calls/s  p50 ${r.p50.toFixed(2)} ms  p99 ${r.p99.toFixed(2)} ms  server CPU ${Math.round(r.cpuUs)} µs/call`);
    }
  }
  console.log('\n# medians over the rounds');
  const summary = {};
  for (const [label, rs] of results) {
    summary[label] = { rate: median(rs.map((r) => r.rate)), p50: median(rs.map((r) => r.p50)), p99: median(rs.map((r) => r.p99)), cpuUs: median(rs.map((r) => r.cpuUs)) };
    const s = summary[label];
    console.log(`${label.padEnd(34)} ${String(Math.round(s.rate)).padStart(6)} calls/s  p50 ${s.p50.toFixed(2)} ms  p99 ${s.p99.toFixed(2)} ms  server CPU ${Math.round(s.cpuUs)} µs/call`);
  }
  const ours = summary['2026-07-28 mcp-sse'];
  /** The median over the rounds of each round's own ratio: steadier than a ratio of medians when the machine drifts. */
  const perRound = (a, b) => {
    const ratios = results.get(a).map((r, i) => r.rate / results.get(b)[i].rate);
    return `${median(ratios).toFixed(2)}x (rounds: ${ratios.map((x) => x.toFixed(2)).join(' ')})`;
  };
  if (targets['node:http']) console.log(`\n2026-07-28 mcp-sse / node:http floor, per round: ${perRound('2026-07-28 mcp-sse', '2026-07-28 node:http')}   (target >= 0.8x)`);
  if (targets['node:http'] && targets['sdk-v2']) {
  console.log(`2026-07-28 mcp-sse / node:http floor, of medians: ${(ours.rate / summary['2026-07-28 node:http'].rate).toFixed(2)}x`);
  console.log(`2026-07-28 mcp-sse / bare SDK v2, per round: ${perRound('2026-07-28 mcp-sse', '2026-07-28 sdk-v2')}   (target >= 3x)`);
  const cpu = (label) => summary[label].cpuUs;
  console.log(`2026-07-28 server CPU per call: mcp-sse ${Math.round(ours.cpuUs)} µs, floor ${Math.round(cpu('2026-07-28 node:http'))} µs, SDK v2 ${Math.round(cpu('2026-07-28 sdk-v2'))} µs`);
  console.log(`2026-07-28 p99 mcp-sse ${ours.p99.toFixed(2)} ms vs SDK v2 ${summary['2026-07-28 sdk-v2'].p99.toFixed(2)} ms   (target <=)`);
  }
  const workers = summary['2026-07-28 mcp-sse-workers'];
  if (workers && ours && targets['node:http'] && targets['sdk-v2']) {
    console.log(`2026-07-28 mcp-sse-workers (default isolation) / floor: ${(workers.rate / summary['2026-07-28 node:http'].rate).toFixed(2)}x, / SDK v2: ${(workers.rate / summary['2026-07-28 sdk-v2'].rate).toFixed(2)}x, / --isolation none: ${(workers.rate / ours.rate).toFixed(2)}x`);
  }
  if (targets['mcp-sse-before']) {
    for (const path of ['2025 streamable', '2025 legacy SSE', '2026-07-28']) {
      console.log(`${path} now / before: ${(summary[`${path} mcp-sse`].rate / summary[`${path} mcp-sse-before`].rate).toFixed(2)}x`);
    }
  }

  if (STREAMS > 0 && targets['mcp-sse']) {
    const server = targets['mcp-sse'];
    // Settle the heap first, so the difference is the streams'.
    await new Promise((r) => setTimeout(r, 1000));
    const before = server.rss();
    const close = await openListens(server.url, STREAMS);
    await new Promise((r) => setTimeout(r, 1000));
    const after = server.rss();
    console.log(`\n${STREAMS} open subscriptions/listen streams: server RSS ${(before / 2 ** 20).toFixed(0)} -> ${(after / 2 ** 20).toFixed(0)} MB, ${((after - before) / STREAMS / 1024).toFixed(1)} KB per stream   (target <= 10 KB)`);
    close();
  }
} finally {
  await Promise.all(Object.values(targets).map((t) => t.stop()));
  agent.destroy();
}
