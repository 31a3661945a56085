#!/usr/bin/env node
// Baseline: a bare @modelcontextprotocol/sdk server in the shape of the SDK's own
// sseAndStreamableHttpCompatibleServer example: createMcpExpressApp (express.json and Host
// checks), one McpServer per session, SSEServerTransport on /sse and StreamableHTTPServerTransport
// on /mcp, the same `echo` tool as the benchmark's tool file. No logging on the hot path.
import { randomUUID } from 'node:crypto';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { createMcpExpressApp } from '@modelcontextprotocol/sdk/server/express.js';
import { SSEServerTransport } from '@modelcontextprotocol/sdk/server/sse.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { isInitializeRequest } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';

const TOOLS = Number(process.env.BENCH_TOOLS ?? 1);

function getServer() {
  const server = new McpServer({ name: 'sdk-baseline', version: '1.0.0' }, { capabilities: { logging: {} } });
  server.registerTool('echo', { inputSchema: { n: z.number() } }, async ({ n }) => ({ content: [{ type: 'text', text: `echo ${n}` }] }));
  // The cold-start scenario asks for as many tools as it gives mcp-sse files.
  for (let i = 1; i < TOOLS; i++) {
    server.registerTool(`tool_${i}`, { description: `tool ${i}`, inputSchema: { n: z.number() } }, async ({ n }) => ({ content: [{ type: 'text', text: String(n + i) }] }));
  }
  return server;
}

const app = createMcpExpressApp();
const sessions = new Map();

app.get('/readyz', (_req, res) => res.json({ ready: true }));

app.all('/mcp', async (req, res) => {
  const sessionId = req.headers['mcp-session-id'];
  let transport = sessionId ? sessions.get(sessionId) : undefined;
  if (!transport) {
    if (sessionId || req.method !== 'POST' || !isInitializeRequest(req.body)) {
      res.status(sessionId ? 404 : 400).json({ jsonrpc: '2.0', error: { code: -32000, message: 'no session' }, id: null });
      return;
    }
    transport = new StreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      onsessioninitialized: (id) => sessions.set(id, transport),
    });
    transport.onclose = () => sessions.delete(transport.sessionId);
    await getServer().connect(transport);
  }
  await transport.handleRequest(req, res, req.body);
});

app.get('/sse', async (_req, res) => {
  const transport = new SSEServerTransport('/messages', res);
  sessions.set(transport.sessionId, transport);
  res.on('close', () => sessions.delete(transport.sessionId));
  await getServer().connect(transport);
});

app.post('/messages', async (req, res) => {
  const transport = sessions.get(req.query.sessionId);
  if (!(transport instanceof SSEServerTransport)) {
    res.status(404).send('unknown session');
    return;
  }
  await transport.handlePostMessage(req, res, req.body);
});

const server = app.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  console.log(`listening http://127.0.0.1:${server.address().port}`);
});
server.keepAliveTimeout = 65_000;

// Exit on SIGTERM so that `node --cpu-prof` writes its profile.
process.on('SIGTERM', () => process.exit(0));
