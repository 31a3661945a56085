#!/usr/bin/env node
// Baseline: the floor. A node:http server answering the benchmark's messages (initialize,
// notifications, tools/list, tools/call of `echo`) over /sse + /messages and /mcp with no MCP
// layer: no validation beyond JSON.parse, fixed answers, one Map entry per session, one shared
// keepalive timer. What any MCP server on this machine and runtime can at best approach.
import { randomUUID } from 'node:crypto';
import http from 'node:http';

const KEEPALIVE_MS = Number(process.env.KEEPALIVE_MS ?? 15_000);
const streams = new Map();
const httpSessions = new Set();

setInterval(() => {
  for (const res of streams.values()) res.write(': keepalive\n\n');
}, KEEPALIVE_MS).unref();

function answer(message) {
  if (message.id === undefined) return undefined;
  switch (message.method) {
    case 'initialize':
      return {
        jsonrpc: '2.0',
        id: message.id,
        result: { protocolVersion: message.params.protocolVersion, capabilities: { tools: { listChanged: true } }, serverInfo: { name: 'plain', version: '1' } },
      };
    case 'tools/list':
      return { jsonrpc: '2.0', id: message.id, result: { tools: [{ name: 'echo', inputSchema: { type: 'object', properties: { n: { type: 'number' } }, required: ['n'] } }] } };
    case 'tools/call':
      return { jsonrpc: '2.0', id: message.id, result: { content: [{ type: 'text', text: `echo ${message.params.arguments.n}` }] } };
    default:
      return { jsonrpc: '2.0', id: message.id, result: {} };
  }
}

function readBody(req, done) {
  let text = '';
  req.setEncoding('utf8');
  req.on('data', (chunk) => (text += chunk));
  req.on('end', () => done(JSON.parse(text)));
}

const server = http.createServer((req, res) => {
  const url = req.url;
  if (req.method === 'GET' && url === '/sse') {
    const id = randomUUID();
    res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache, no-transform', 'X-Accel-Buffering': 'no' });
    res.write(`event: endpoint\ndata: /messages?sessionId=${id}\n\n`);
    streams.set(id, res);
    res.on('close', () => streams.delete(id));
  } else if (req.method === 'POST' && url.startsWith('/messages?sessionId=')) {
    const stream = streams.get(url.slice(20));
    if (!stream) return void res.writeHead(404).end();
    readBody(req, (message) => {
      res.writeHead(202).end('Accepted');
      const reply = answer(message);
      if (reply) stream.write(`event: message\ndata: ${JSON.stringify(reply)}\n\n`);
    });
  } else if (req.method === 'POST' && url === '/mcp') {
    readBody(req, (message) => {
      let id = req.headers['mcp-session-id'];
      // A 2026-07-28 request: no session, one fixed JSON answer.
      if (id === undefined && message.params?._meta?.['io.modelcontextprotocol/protocolVersion'] !== undefined) {
        return void res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify(answer(message)));
      }
      if (id === undefined && message.method === 'initialize') httpSessions.add((id = randomUUID()));
      if (!httpSessions.has(id)) return void res.writeHead(404).end();
      const reply = answer(message);
      if (!reply) return void res.writeHead(202).end();
      res.writeHead(200, { 'Content-Type': 'application/json', 'Mcp-Session-Id': id }).end(JSON.stringify(reply));
    });
  } else if (url === '/readyz') {
    res.writeHead(200, { 'Content-Type': 'application/json' }).end('{"ready":true}');
  } else {
    res.writeHead(404).end();
  }
});
server.keepAliveTimeout = 65_000;
server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => console.log(`listening http://127.0.0.1:${server.address().port}`));

// Exit on SIGTERM so that `node --cpu-prof` writes its profile.
process.on('SIGTERM', () => process.exit(0));
