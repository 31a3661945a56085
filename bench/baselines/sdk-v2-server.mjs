#!/usr/bin/env node
// Baseline: a bare SDK v2 server for the 2026-07-28 era as its docs mount it on Node:
// createMcpHandler with a per-request McpServer factory, wrapped once with toNodeHandler, on a
// plain node:http server. The same `echo` tool as the benchmark's tool file; no logging.
import http from 'node:http';
import { toNodeHandler } from '@modelcontextprotocol/node';
import { createMcpHandler, McpServer } from '@modelcontextprotocol/server';
import { z } from 'zod';

function factory() {
  const server = new McpServer({ name: 'sdk-v2-baseline', version: '1.0.0' });
  server.registerTool('echo', { inputSchema: z.object({ n: z.number() }) }, async ({ n }) => ({ content: [{ type: 'text', text: `echo ${n}` }] }));
  return server;
}

const handler = toNodeHandler(createMcpHandler(factory, { legacy: 'reject' }));
const server = http.createServer((req, res) => {
  if (req.url === '/readyz') return void res.writeHead(200, { 'Content-Type': 'application/json' }).end('{"ready":true}');
  if (req.url === '/mcp') return void handler(req, res);
  res.writeHead(404).end();
});
server.keepAliveTimeout = 65_000;
server.listen(Number(process.env.PORT ?? 0), '127.0.0.1');

process.on('SIGTERM', () => process.exit(0));
