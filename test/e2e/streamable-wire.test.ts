import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serve, type ServeHandle } from '../helpers/cli.js';
import { ADD_TOOL } from '../helpers/fixtures.js';
import { rawRequest, rpcAnswer } from '../helpers/raw-http.js';
import { removeDir, tempDir } from '../helpers/temp.js';

// The answers of our Streamable HTTP transport (src/http/streamable-transport.ts) at the edges, which
// must stay those of the SDK's transport it replaced: clients and the conformance suite rely on them.
const ACCEPT_BOTH = 'application/json, text/event-stream';
const INIT = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'wire', version: '1' } } });

let dir: string;
let server: ServeHandle;
let session: Record<string, string>;

beforeAll(async () => {
  dir = await tempDir({
    'tools/add.ts': ADD_TOOL,
    'tools/hold.ts': `
      import { existsSync } from 'node:fs';
      import { z } from 'zod';
      import { defineTool } from 'mcp-sse';
      export default defineTool({
        description: 'Answers once the file exists',
        input: { file: z.string() },
        handler: async ({ file }) => { while (!existsSync(file)) await new Promise((r) => setTimeout(r, 20)); return 'released'; },
      });`,
  });
  server = await serve(`${dir}/tools`, ['--no-watch']);
  const init = await rawRequest(server.mcpUrl, { method: 'POST', headers: { 'content-type': 'application/json', accept: ACCEPT_BOTH }, body: INIT });
  session = { 'content-type': 'application/json', accept: ACCEPT_BOTH, 'mcp-session-id': String(init.headers['mcp-session-id']), 'mcp-protocol-version': '2025-06-18' };
  const initialized = await rawRequest(server.mcpUrl, { method: 'POST', headers: session, body: '{"jsonrpc":"2.0","method":"notifications/initialized"}' });
  expect(initialized.status).toBe(202);
  expect(initialized.body).toBe('');
});

afterAll(async () => {
  await server?.stop();
  await removeDir(dir);
});

const post = (body: unknown, headers: Record<string, string> = session) =>
  rawRequest(server.mcpUrl, { method: 'POST', headers, body: typeof body === 'string' ? body : JSON.stringify(body) });

describe('Streamable HTTP on the wire', () => {
  it.each([
    ['a POST that does not accept both types', () => post({ jsonrpc: '2.0', id: 2, method: 'ping' }, { ...session, accept: 'application/json' }), 406, -32000, 'Not Acceptable: Client must accept both application/json and text/event-stream'],
    ['a GET that does not accept an event stream', () => rawRequest(server.mcpUrl, { headers: { ...session, accept: 'application/json' } }), 406, -32000, 'Not Acceptable: Client must accept text/event-stream'],
    ['an unsupported protocol version', () => post({ jsonrpc: '2.0', id: 2, method: 'ping' }, { ...session, 'mcp-protocol-version': '1999-01-01' }), 400, -32000, /^Bad Request: Unsupported protocol version: 1999-01-01 \(supported versions: .*2025-06-18/],
    ['a message that is not JSON-RPC', () => post({ hello: 'world' }), 400, -32700, 'Parse error: Invalid JSON-RPC message'],
    ['a batch over 100 messages', () => post(Array.from({ length: 101 }, (_, i) => ({ jsonrpc: '2.0', id: i, method: 'ping' }))), 400, -32600, 'Invalid Request: Batch must not exceed 100 messages'],
    ['a second initialize on a session', () => post(INIT), 400, -32600, 'Invalid Request: Server already initialized'],
  ])('refuses %s as the SDK did', async (_what, send, status, code, message) => {
    const res = await send();
    expect(res.status).toBe(status);
    expect(res.headers['content-type']).toBe('application/json');
    const body = JSON.parse(res.body) as { id: unknown; error: { code: number; message: string } };
    expect(body.id).toBeNull();
    expect(body.error.code).toBe(code);
    expect(body.error.message).toMatch(message);
  });

  it('answers a batch of requests on one event stream, which ends after the last answer', async () => {
    const res = await post([
      { jsonrpc: '2.0', id: 'a', method: 'tools/call', params: { name: 'add', arguments: { a: 1, b: 2 } } },
      { jsonrpc: '2.0', method: 'notifications/roots/list_changed' },
      { jsonrpc: '2.0', id: 'b', method: 'ping' },
    ]);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/event-stream');
    expect(res.headers['mcp-session-id']).toBe(session['mcp-session-id']);
    const answers = res.body.split('\n').filter((l) => l.startsWith('data: ')).map((l) => JSON.parse(l.slice(6)) as { id: string });
    expect(answers.map((a) => a.id).sort()).toEqual(['a', 'b']);
  });

  it('sends the headers of a slow call at once, before its answer', async () => {
    const file = `${dir}/release-${Date.now()}`;
    const body = JSON.stringify({ jsonrpc: '2.0', id: 'slow', method: 'tools/call', params: { name: 'hold', arguments: { file } } });
    const answer = await new Promise<string>((resolve, reject) => {
      const req = http.request(server.mcpUrl, { method: 'POST', headers: session, agent: false }, (res) => {
        // Headers are here while the handler still waits: only now may it finish.
        expect(res.statusCode).toBe(200);
        expect(existsSync(file)).toBe(false);
        let text = '';
        res.on('data', (chunk) => (text += chunk));
        res.on('end', () => resolve(text));
        void writeFile(file, '');
      });
      req.on('error', reject);
      req.end(body);
    });
    expect(rpcAnswer({ status: 200, headers: {}, body: answer, json: undefined } as never)).toMatchObject({ id: 'slow', result: { content: [{ type: 'text', text: 'released' }] } });
  });

  it('allows one GET stream per session (409 for a second), and a new one once it closed', async () => {
    const open = () =>
      new Promise<http.IncomingMessage>((resolve, reject) => {
        const req = http.get(server.mcpUrl, { headers: { ...session, accept: 'text/event-stream' }, agent: false }, resolve);
        req.on('error', reject);
      });
    const first = await open();
    expect(first.statusCode).toBe(200);
    const second = await rawRequest(server.mcpUrl, { headers: { ...session, accept: 'text/event-stream' } });
    expect(second.status).toBe(409);
    expect(JSON.parse(second.body).error.message).toBe('Conflict: Only one SSE stream is allowed per session');
    const closed = new Promise((resolve) => first.socket.once('close', resolve));
    first.destroy();
    await closed;
    await expect.poll(async () => {
      const again = await open();
      again.destroy();
      return again.statusCode;
    }).toBe(200);
  });

  it('ends a session on DELETE: 200, then 404 for it', async () => {
    const init = await post(INIT, { 'content-type': 'application/json', accept: ACCEPT_BOTH });
    const headers = { ...session, 'mcp-session-id': String(init.headers['mcp-session-id']) };
    expect((await rawRequest(server.mcpUrl, { method: 'DELETE', headers })).status).toBe(200);
    const after = await post({ jsonrpc: '2.0', id: 3, method: 'ping' }, headers);
    expect(after.status).toBe(404);
  });
});
