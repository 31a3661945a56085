#!/usr/bin/env node
// What an open stream costs from a fresh start: RSS of a new server before and after 10,000
// streams, for mcp-sse (2026-07-28 subscriptions/listen) and for the node:http floor (a held GET
// /sse response). `node bench/listen-memory.mjs floor|mcp` (npm run build first); loopback only.
// bench/eras.mjs measures the same on a server warmed by its throughput runs, whose heap already
// has room; from a fresh start, most of it is V8 and Node growing for the connections.
import http from 'node:http';
import { openListens, openStreams } from './lean-client.mjs';
import { startTarget, toolsDir } from './targets.mjs';

const which = process.argv[2] ?? 'mcp';
const N = Number(process.env.STREAMS ?? 10000);
const t = which === 'floor' ? await startTarget('node:http') : await startTarget('mcp-sse', { dir: await toolsDir(), args: ['--isolation', 'none'] });
const heldSse = (count) => openStreams(count, (resolve) => http.get(`${t.url}/sse`, { agent: false }, (res) => res.once('data', () => resolve())));
await new Promise((r) => setTimeout(r, 1000));
const before = t.rss();
const close = await (which === 'floor' ? heldSse(N) : openListens(t.url, N));
await new Promise((r) => setTimeout(r, 1000));
const after = t.rss();
console.log(which, `${(before / 2 ** 20).toFixed(0)} -> ${(after / 2 ** 20).toFixed(0)} MB, ${((after - before) / N / 1024).toFixed(1)} KB/stream`);
close();
await t.stop();
process.exit(0);
