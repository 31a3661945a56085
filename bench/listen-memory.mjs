#!/usr/bin/env node
// What an open stream costs from a fresh start: RSS of a new server before and after 10,000
// streams, for mcp-sse (2026-07-28 subscriptions/listen) and for the node:http floor (a held GET
// /sse response). `node bench/listen-memory.mjs floor|mcp` (npm run build first); loopback only.
// bench/eras.mjs measures the same on a server warmed by its throughput runs, whose heap already
// has room; from a fresh start, most of it is V8 and Node growing for the connections.
import http from 'node:http';
import { startTarget, toolsDir } from './targets.mjs';
const which = process.argv[2] ?? 'mcp';
const N = Number(process.env.STREAMS ?? 10000);
const t = which === 'floor' ? await startTarget('node:http') : await startTarget('mcp-sse', { dir: await toolsDir(), args: ['--isolation', 'none'] });
const ENVELOPE = { 'io.modelcontextprotocol/protocolVersion': '2026-07-28', 'io.modelcontextprotocol/clientInfo': { name: 'b', version: '1' }, 'io.modelcontextprotocol/clientCapabilities': {} };
const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'subscriptions/listen', params: { notifications: { toolsListChanged: true }, _meta: ENVELOPE } });
const headers = { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-protocol-version': '2026-07-28', 'mcp-method': 'subscriptions/listen' };
const open = [];
async function openN(n) { for (let i = 0; i < n; i += 500) await Promise.all(Array.from({ length: Math.min(500, n - i) }, () => new Promise((resolve, reject) => {
  const req = which === 'floor' ? http.get(`${t.url}/sse`, { agent: false }, (res) => res.once('data', resolve)) : http.request(`${t.url}/mcp`, { method: 'POST', headers, agent: false }, (res) => res.once('data', resolve));
  req.on('error', reject); if (which !== 'floor') req.end(body); open.push(req); }))); }
await new Promise((r) => setTimeout(r, 1000));
const r0 = t.rss(); await openN(N); await new Promise((r) => setTimeout(r, 1000)); const r1 = t.rss();
console.log(which, `${(r0/2**20).toFixed(0)} -> ${(r1/2**20).toFixed(0)} MB, ${((r1 - r0) / N / 1024).toFixed(1)} KB/stream`);
open.forEach((r) => r.destroy()); await t.stop(); process.exit(0);
