#!/usr/bin/env node
// Protocol eras on /mcp: the cost of one tools/call for a 2025 session (stateful, SDK v1 transport)
// and for a 2026-07-28 request (stateless, SDK v2 entry, a fresh v2 server object per request).
// Spawns the built CLI (npm run build first), drives it with raw HTTP, loopback only, bounded.
import { spawn } from 'node:child_process';
import http from 'node:http';
import { cpus, loadavg } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { toolsDir } from './targets.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const BIN = path.join(ROOT, 'bin/mcp-sse.js');
const CALLS = Number(process.env.CALLS ?? 2000);
const CONCURRENCY = Number(process.env.CONCURRENCY ?? 8);
const MODERN = '2026-07-28';
const ENVELOPE = {
  'io.modelcontextprotocol/protocolVersion': MODERN,
  'io.modelcontextprotocol/clientInfo': { name: 'bench', version: '1' },
  'io.modelcontextprotocol/clientCapabilities': {},
};

function startServer(dir) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, 'serve', dir, '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    const onData = (d) => {
      out += d;
      const m = /Streamable HTTP\s+(\S+\/mcp)/.exec(out);
      if (m) resolve({ url: m[1], pid: child.pid, stop: () => new Promise((r) => (child.once('exit', r), child.kill('SIGTERM'))) });
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => reject(new Error(`server exited ${code}: ${out}`)));
  });
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

function post(url, body, headers) {
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      { method: 'POST', agent, headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers } },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d) => (text += d));
        res.on('end', () => (res.statusCode < 300 ? resolve({ headers: res.headers, text }) : reject(new Error(`POST ${res.statusCode}: ${text}`))));
      },
    );
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

async function legacySession(url) {
  const init = await post(url, {
    jsonrpc: '2.0',
    id: 0,
    method: 'initialize',
    params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'bench', version: '1' } },
  });
  const sessionId = init.headers['mcp-session-id'];
  const headers = { 'mcp-session-id': sessionId, 'mcp-protocol-version': '2025-11-25' };
  await post(url, { jsonrpc: '2.0', method: 'notifications/initialized' }, headers);
  return (id) => post(url, { jsonrpc: '2.0', id, method: 'tools/call', params: { name: 'echo', arguments: { n: id } } }, headers);
}

function modernCaller(url) {
  const headers = { 'mcp-protocol-version': MODERN, 'mcp-method': 'tools/call', 'mcp-name': 'echo' };
  return (id) => post(url, { jsonrpc: '2.0', id, method: 'tools/call', params: { name: 'echo', arguments: { n: id }, _meta: ENVELOPE } }, headers);
}

async function drive(call) {
  const latencies = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < CALLS) {
        const id = ++next;
        const t = performance.now();
        const { text } = await call(id);
        if (!text.includes(`echo ${id}`)) throw new Error(`wrong answer for ${id}: ${text}`);
        latencies.push(performance.now() - t);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const at = (q) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))].toFixed(2);
  return { callsPerSecond: Math.round(CALLS / seconds), p50: at(0.5), p95: at(0.95), p99: at(0.99) };
}

async function rss(pid) {
  const { readFile } = await import('node:fs/promises');
  const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return `${Math.round(kb / 1024)} MB`;
}

const server = await startServer(await toolsDir());
try {
  console.log(`# ${CALLS} tools/call, ${CONCURRENCY} at a time, ${cpus().length} CPUs, load ${loadavg()[0].toFixed(2)}`);
  // Warm both paths (JIT, first v2 server construction) before measuring.
  const legacy = await legacySession(server.url);
  const modern = modernCaller(server.url);
  for (let i = 0; i < 200; i++) await Promise.all([legacy(100_000 + i), modern(200_000 + i)]);
  for (const [era, call] of [
    ['2025-11-25 session', legacy],
    ['2026-07-28 request', modern],
    ['2025-11-25 session (again)', legacy],
    ['2026-07-28 request (again)', modern],
  ]) {
    const result = await drive(call);
    console.log(`${era.padEnd(28)} ${String(result.callsPerSecond).padStart(6)} calls/s  p50 ${result.p50} ms  p95 ${result.p95} ms  p99 ${result.p99} ms  server rss ${await rss(server.pid)}`);
  }
} finally {
  await server.stop();
  agent.destroy();
}
