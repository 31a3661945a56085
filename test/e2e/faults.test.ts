import http from 'node:http';
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serve, type ServeHandle } from '../helpers/cli.js';
import { connect, TRANSPORTS } from '../helpers/clients.js';
import { health, waitForHealth } from '../helpers/health.js';
import { openRawSse, rawRequest, type RawSse } from '../helpers/raw-http.js';
import { removeDir, tempDir } from '../helpers/temp.js';

const tool = (body: string) => `
  import { z } from 'zod';
  import { defineTool } from 'mcp-sse';
  ${body}`;
const TOOLS = {
  'tools/echo.ts': tool(`export default defineTool({ description: 'Echo', input: { value: z.any() }, handler: ({ value }) => JSON.stringify(value)?.length ?? 0 });`),
  'tools/sync_throw.ts': tool(`export default defineTool({ description: 'x', handler() { throw new Error('thrown at once'); } });`),
  'tools/late_reject.ts': tool(`export default defineTool({ description: 'x', handler: () => new Promise((_, reject) => setTimeout(() => reject(new Error('rejected late')), 300)) });`),
  'tools/never.ts': tool(`export default defineTool({ description: 'x', timeoutMs: 400, handler: () => new Promise(() => {}) });`),
  'tools/stdout.ts': tool(`export default defineTool({ description: 'x', handler() { console.log('a tool printing to stdout'); process.stdout.write('{"jsonrpc":"2.0"}\\n'); return 'printed'; } });`),
  'tools/stray.ts': tool(`export default defineTool({
    description: 'Leaves an unhandled rejection and an uncaught exception behind, then answers',
    handler() {
      Promise.reject(new Error('stray rejection in a tool'));
      setTimeout(() => { throw new Error('stray throw in a timer'); }, 10);
      return 'ok';
    },
  });`),
  // Values a crash guard cannot format with a template string: they once ended the server (exit 7).
  'tools/odd_throws.ts': tool(`export default defineTool({
    description: 'Throws a Symbol, a null-prototype object and an object with a throwing toString from timers',
    handler() {
      setTimeout(() => { throw Symbol('thrown symbol'); }, 1);
      setTimeout(() => { throw Object.assign(Object.create(null), { why: 'null prototype' }); }, 2);
      setTimeout(() => { throw { toString() { throw new Error('no'); }, get stack() { throw new Error('no'); } }; }, 3);
      Promise.reject(Symbol('rejected symbol'));
      setTimeout(() => { throw new Error('last odd throw'); }, 20);
      return 'ok';
    },
  });`),
  'tools/watch_abort.ts': tool(`
    import { writeFileSync } from 'node:fs';
    export default defineTool({
      description: 'Records when its signal aborts',
      input: { marker: z.string() },
      handler: ({ marker }, ctx) => new Promise((resolve) => {
        ctx.signal.addEventListener('abort', () => { writeFileSync(marker, String(ctx.signal.reason?.message)); resolve('aborted'); });
      }),
    });`),
  // A module-level rejection in a served file: loading it must not take the server down.
  'tools/bad_module.ts': tool(`Promise.reject(new Error('rejection at module load')); export default defineTool({ description: 'x', handler: () => 'loaded' });`),
};
const JSON_HEADERS = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };

let dir: string;
let server: ServeHandle;
let sse: RawSse;
let postUrl: string;
let sessionHeaders: Record<string, string>;

/** The SSE event answering request `id`, parsed. */
async function sseAnswer(id: string) {
  const [, data] = await sse.waitFor(new RegExp(`data: (\\{[^\\n]*"id":"${id}"[^\\n]*)\\n`));
  return JSON.parse(data!);
}

beforeAll(async () => {
  dir = await tempDir(TOOLS);
  // A dropped Streamable HTTP stream waits this long to be resumed before its calls stop.
  server = await serve(`${dir}/tools`, ['--no-watch', '--resume-window', '300']);
  sse = await openRawSse(server.sseUrl);
  postUrl = `${server.url}${sse.endpoint}`;
  const init = await rawRequest(server.mcpUrl, {
    method: 'POST',
    headers: JSON_HEADERS,
    body: JSON.stringify({ jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } } }),
  });
  sessionHeaders = { ...JSON_HEADERS, 'mcp-session-id': init.headers['mcp-session-id'] as string, 'mcp-protocol-version': '2025-06-18' };
});

afterAll(async () => {
  sse?.destroy();
  // Still alive after everything below.
  expect(server.child.exitCode).toBeNull();
  await server?.stop();
  await removeDir(dir);
});

describe('malformed requests', () => {
  it('bad JSON is a 400 parse error on both transports', async () => {
    for (const [url, headers] of [[postUrl, JSON_HEADERS], [server.mcpUrl, sessionHeaders]] as const) {
      const res = await rawRequest(url, { method: 'POST', headers, body: '{"jsonrpc":"2.0", "id": 1, "method": ' });
      expect(res.status).toBe(400);
      expect(res.json.error.code).toBe(-32700);
      expect(res.json.error.message).toMatch(/^Parse error: /);
    }
  });

  it('a non-JSON content type is 415', async () => {
    const res = await rawRequest(postUrl, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'hello' });
    expect(res.status).toBe(415);
    expect(res.json.error.message).toBe('Unsupported Media Type: send Content-Type: application/json');
  });

  it.each([
    ['an empty object', {}, null],
    ['a JSON-RPC 1.0 request', { jsonrpc: '1.0', id: 7, method: 'ping' }, 7],
    ['an object id', { jsonrpc: '2.0', id: { a: 1 }, method: 'ping' }, null],
    ['a string', 'hello', null],
    ['null', null, null],
    ['a number', 42, null],
  ])('over SSE, %s gets a -32600 Invalid Request on the stream', async (_name, message, id) => {
    const before = sse.text().length;
    const res = await rawRequest(postUrl, { method: 'POST', headers: JSON_HEADERS, body: JSON.stringify(message) });
    expect(res.status).toBe(202);
    const [, data] = await sse.waitFor(/data: (.*Invalid Request.*)\n/, 10_000, before);
    const answer = JSON.parse(data!);
    expect(answer.error.code).toBe(-32600);
    if (id !== null) expect(answer.id).toBe(id);
  });

  it('over SSE, params that are not an object and unknown methods get JSON-RPC errors with their ids', async () => {
    await rawRequest(postUrl, { method: 'POST', headers: JSON_HEADERS, body: JSON.stringify({ jsonrpc: '2.0', id: 'p1', method: 'tools/list', params: [1, 2] }) });
    expect((await sseAnswer('p1')).error.code).toBe(-32602);
    await rawRequest(postUrl, { method: 'POST', headers: JSON_HEADERS, body: JSON.stringify({ jsonrpc: '2.0', id: 'm1', method: 'no/such/method' }) });
    expect((await sseAnswer('m1')).error).toEqual({ code: -32601, message: 'Method not found: no/such/method' });
    await rawRequest(postUrl, { method: 'POST', headers: JSON_HEADERS, body: JSON.stringify({ jsonrpc: '2.0', id: 'c1', method: 'tools/call', params: { name: 42 } }) });
    expect((await sseAnswer('c1')).error.code).toBe(-32602);
  });

  it.each([
    ['an empty object', {}],
    ['a JSON-RPC 1.0 request', { jsonrpc: '1.0', id: 7, method: 'ping' }],
    ['a string', 'hello'],
    ['a request without a method', { jsonrpc: '2.0', id: 3 }],
  ])('over Streamable HTTP, %s gets a well-formed 4xx JSON-RPC error', async (_name, message) => {
    const res = await rawRequest(server.mcpUrl, { method: 'POST', headers: sessionHeaders, body: JSON.stringify(message) });
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    expect(res.json).toMatchObject({ jsonrpc: '2.0', error: { code: expect.any(Number), message: expect.any(String) } });
  });

  it('an empty batch is one Invalid Request, on both transports', async () => {
    for (const url of [server.mcpUrl, postUrl]) {
      const res = await rawRequest(url, { method: 'POST', headers: url === postUrl ? JSON_HEADERS : sessionHeaders, body: '[]' });
      expect(res.status).toBe(400);
      expect(res.json).toEqual({ jsonrpc: '2.0', error: { code: -32600, message: 'Invalid Request: an empty batch' }, id: null });
    }
  });

  it('unknown sessions are 404 on both transports', async () => {
    const ping = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' });
    expect((await rawRequest(`${server.url}/messages?sessionId=00000000-0000-4000-8000-000000000000`, { method: 'POST', headers: JSON_HEADERS, body: ping })).status).toBe(404);
    expect((await rawRequest(server.mcpUrl, { method: 'POST', headers: { ...sessionHeaders, 'mcp-session-id': 'nope' }, body: ping })).status).toBe(404);
    expect((await rawRequest(server.mcpUrl, { headers: { ...sessionHeaders, 'mcp-session-id': 'nope' } })).status).toBe(404);
    expect((await rawRequest(server.mcpUrl, { method: 'DELETE', headers: { ...sessionHeaders, 'mcp-session-id': 'nope' } })).status).toBe(404);
  });

  it('a POST for a stream that closed is 404', async () => {
    const gone = await openRawSse(server.sseUrl);
    gone.destroy();
    await waitForHealth(server.url, (h) => h.sessions.sse === 1);
    const res = await rawRequest(`${server.url}${gone.endpoint}`, { method: 'POST', headers: JSON_HEADERS, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' }) });
    expect(res.status).toBe(404);
    expect(res.json.error.message).toBe('Session not found: open a new stream with GET /sse');
  });
});

describe('huge and deeply nested arguments', () => {
  const nested = (depth: number) => '['.repeat(depth) + ']'.repeat(depth);
  it.each(TRANSPORTS)('a 3 MB argument and one nested 100,000 deep both get answers over %s', async (transport) => {
    const c = await connect(server.url, transport);
    const big = await c.client.callTool({ name: 'echo', arguments: { value: 'z'.repeat(3_000_000) } });
    expect(big.content).toEqual([{ type: 'text', text: '3000002' }]);
    for (const depth of [1000, 100_000]) {
      const value = JSON.parse(nested(depth));
      const result = await c.client.callTool({ name: 'echo', arguments: { value } }).then(
        (r) => r,
        (error: Error) => ({ rpcError: error.message }),
      );
      // Either a result (possibly isError) or a JSON-RPC error: an answer, never a dead server.
      expect(result).toBeTruthy();
    }
    await c.close();
    expect((await health(server.url)).status).toBe('ok');
  });

  it('a raw body nested 1,000,000 deep (within the size limit) is answered', async () => {
    const body = `{"jsonrpc":"2.0","id":"deep","method":"tools/call","params":{"name":"echo","arguments":{"value":${nested(1_000_000)}}}}`;
    const res = await rawRequest(postUrl, { method: 'POST', headers: JSON_HEADERS, body });
    expect([202, 400]).toContain(res.status);
    if (res.status === 202) expect(await sseAnswer('deep')).toHaveProperty('jsonrpc', '2.0');
    const mcp = await rawRequest(server.mcpUrl, { method: 'POST', headers: sessionHeaders, body });
    expect(mcp.status).toBeLessThan(500);
  });
});

describe.each(TRANSPORTS)('tools that misbehave, over %s', (transport) => {
  it('a synchronous throw and a late rejection are isError results', async () => {
    const c = await connect(server.url, transport);
    const thrown = await c.client.callTool({ name: 'sync_throw', arguments: {} });
    expect(thrown).toMatchObject({ isError: true, content: [{ type: 'text', text: 'thrown at once' }] });
    const late = await c.client.callTool({ name: 'late_reject', arguments: {} });
    expect(late).toMatchObject({ isError: true, content: [{ type: 'text', text: 'rejected late' }] });
    await c.close();
  });

  it('a tool that never resolves times out as an isError result', async () => {
    const c = await connect(server.url, transport);
    const result = await c.client.callTool({ name: 'never', arguments: {} });
    expect(result).toMatchObject({ isError: true, content: [{ type: 'text', text: 'Tool never timed out after 400 ms' }] });
    await c.close();
  });

  it('a tool writing to stdout does not disturb the protocol', async () => {
    const c = await connect(server.url, transport);
    expect((await c.client.callTool({ name: 'stdout', arguments: {} })).content).toEqual([{ type: 'text', text: 'printed' }]);
    expect((await c.client.listTools()).tools.length).toBeGreaterThan(5);
    await c.close();
  });

  it('stray rejections and throws are logged, and the server keeps running', async () => {
    const c = await connect(server.url, transport);
    const from = server.output().length;
    expect((await c.client.callTool({ name: 'stray', arguments: {} })).content).toEqual([{ type: 'text', text: 'ok' }]);
    await server.waitFor(/unhandled rejection \(the server keeps running\): Error: stray rejection in a tool/, { from });
    await server.waitFor(/uncaught exception \(the server keeps running\): Error: stray throw in a timer/, { from });
    expect((await c.client.callTool({ name: 'echo', arguments: { value: 1 } })).content).toEqual([{ type: 'text', text: '1' }]);
    await c.close();
  });
});

describe('the crash guard', () => {
  it('survives a Symbol, a null-prototype object and an unprintable object thrown from timers', async () => {
    const c = await connect(server.url, 'http');
    const from = server.output().length;
    expect((await c.client.callTool({ name: 'odd_throws', arguments: {} })).content).toEqual([{ type: 'text', text: 'ok' }]);
    await server.waitFor(/uncaught exception \(the server keeps running\): Error: last odd throw/, { from });
    const logged = server.output().slice(from);
    expect(logged).toMatch(/uncaught exception \(the server keeps running\): Symbol\(thrown symbol\)/);
    expect(logged).toMatch(/uncaught exception \(the server keeps running\): \{"why":"null prototype"\}/);
    expect(logged).toMatch(/unhandled rejection \(the server keeps running\): Symbol\(rejected symbol\)/);
    expect((await c.client.callTool({ name: 'echo', arguments: { value: 1 } })).content).toEqual([{ type: 'text', text: '1' }]);
    expect(server.child.exitCode).toBeNull();
    await c.close();
  });
});

describe('clients that vanish mid-call', () => {
  it.each(TRANSPORTS)('over %s, the call is aborted with a reason and the session goes away', async (transport) => {
    const marker = `${dir}/aborted-${transport}`;
    const before = (await health(server.url)).sessions.total;
    const call = JSON.stringify({ jsonrpc: '2.0', id: 5, method: 'tools/call', params: { name: 'watch_abort', arguments: { marker } } });
    if (transport === 'sse') {
      const stream = await openRawSse(server.sseUrl);
      await rawRequest(`${server.url}${stream.endpoint}`, { method: 'POST', headers: JSON_HEADERS, body: call });
      await waitForHealth(server.url, (h) => h.sessions.total === before + 1);
      stream.destroy();
    } else {
      const req = http.request(server.mcpUrl, { method: 'POST', headers: sessionHeaders, agent: false });
      req.on('error', () => undefined);
      req.on('response', () => req.destroy());
      req.end(call);
    }
    const deadline = Date.now() + 10_000;
    let reason = '';
    while (!reason && Date.now() < deadline) {
      reason = await readFile(marker, 'utf8').catch(() => '');
      if (!reason) await new Promise((r) => setTimeout(r, 50));
    }
    expect(reason).toBe('the client disconnected');
    if (transport === 'sse') await waitForHealth(server.url, (h) => h.sessions.total === before);
  });
});

describe('afterwards', () => {
  it('a bad tool module was loaded and the server answers fresh clients on both transports', async () => {
    expect(server.output()).toMatch(/rejection at module load/);
    for (const transport of TRANSPORTS) {
      const c = await connect(server.url, transport);
      const names = (await c.client.listTools()).tools.map((t) => t.name);
      expect(names).toContain('echo');
      await c.close();
    }
    expect(server.child.exitCode).toBeNull();
  });
});
