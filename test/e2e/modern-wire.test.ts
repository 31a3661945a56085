import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serve, type ServeHandle } from '../helpers/cli.js';
import { ADD_TOOL } from '../helpers/fixtures.js';
import { MODERN, modernEnvelope } from '../helpers/modern-client.js';
import { rawRequest, type RawResponse } from '../helpers/raw-http.js';
import { removeDir, tempDir } from '../helpers/temp.js';

// The answers of the 2026-07-28 entry on /mcp at the edges. They were pinned against the SDK v2
// entry (createMcpHandler) it replaced, and must stay those: clients fall back, retry or give up
// on exactly these statuses and codes.
const ENVELOPE = modernEnvelope();
const HEADERS = { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-protocol-version': MODERN };

let dir: string;
let server: ServeHandle;

beforeAll(async () => {
  dir = await tempDir({ 'tools/add.ts': ADD_TOOL });
  server = await serve(`${dir}/tools`, ['--no-watch', '--max-body', '262144']);
});

afterAll(async () => {
  await server?.stop();
  await removeDir(dir);
});

const request = (method: string, params: Record<string, unknown> = {}, id: unknown = 1) => ({ jsonrpc: '2.0', id, method, params: { ...params, _meta: ENVELOPE } });

function post(body: unknown, headers: Record<string, string | undefined> = {}) {
  const sent = Object.fromEntries(Object.entries({ ...HEADERS, ...headers }).filter(([, v]) => v !== undefined)) as Record<string, string>;
  return rawRequest(server.mcpUrl, { method: 'POST', headers: sent, body: typeof body === 'string' ? body : JSON.stringify(body) });
}

function rpcError(res: RawResponse) {
  expect(res.headers['content-type']).toMatch(/^application\/json/);
  return JSON.parse(res.body) as { jsonrpc: string; id: unknown; error: { code: number; message: string; data?: any } };
}

describe('the 2026-07-28 entry on the wire', () => {
  it('answers a call with one JSON object carrying resultType and serverInfo', async () => {
    const res = await post(request('tools/call', { name: 'add', arguments: { a: 1, b: 2 } }), { 'mcp-method': 'tools/call', 'mcp-name': 'add' });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/json');
    expect(res.headers['mcp-session-id']).toBeUndefined();
    expect(res.json).toMatchObject({
      jsonrpc: '2.0',
      id: 1,
      result: { structuredContent: { sum: 3 }, resultType: 'complete', _meta: { 'io.modelcontextprotocol/serverInfo': { name: 'tools' } } },
    });
    expect(res.json.result.ttlMs).toBeUndefined();
  });

  it('marks lists cacheable for a folder nobody watches', async () => {
    const res = await post(request('tools/list'), { 'mcp-method': 'tools/list' });
    expect(res.status).toBe(200);
    expect(res.json.result).toMatchObject({ resultType: 'complete', ttlMs: 300_000, cacheScope: 'public' });
  });

  it.each([
    ['a method the revision does not have', () => post(request('ping'), { 'mcp-method': 'ping' }), 404, -32601, 1],
    ['initialize sent with a modern envelope', () => post(request('initialize'), { 'mcp-method': 'initialize' }), 404, -32601, 1],
    ['an envelope naming a revision the server does not serve', () => post({ jsonrpc: '2.0', id: 2, method: 'tools/list', params: { _meta: { ...ENVELOPE, 'io.modelcontextprotocol/protocolVersion': '2099-01-01' } } }, { 'mcp-protocol-version': '2099-01-01', 'mcp-method': 'tools/list' }), 400, -32022, 2],
    ['a modern header without an envelope', () => post({ jsonrpc: '2.0', id: 3, method: 'tools/list' }, { 'mcp-method': 'tools/list' }), 400, -32602, 3],
    ['an envelope without clientCapabilities', () => post({ jsonrpc: '2.0', id: 4, method: 'tools/list', params: { _meta: { 'io.modelcontextprotocol/protocolVersion': MODERN } } }, { 'mcp-method': 'tools/list' }), 400, -32602, 4],
    ['an envelope whose clientCapabilities is not an object', () => post({ jsonrpc: '2.0', id: 5, method: 'tools/list', params: { _meta: { ...ENVELOPE, 'io.modelcontextprotocol/clientCapabilities': 5 } } }, { 'mcp-method': 'tools/list' }), 400, -32602, 5],
    ['an envelope with an unknown logLevel', () => post({ jsonrpc: '2.0', id: 6, method: 'tools/list', params: { _meta: { ...ENVELOPE, 'io.modelcontextprotocol/logLevel': 'loud' } } }, { 'mcp-method': 'tools/list' }), 400, -32602, 6],
    ['a version header that disagrees with the envelope', () => post(request('tools/list'), { 'mcp-protocol-version': '2025-11-25', 'mcp-method': 'tools/list' }), 400, -32020, 1],
    ['no version header at all', () => post(request('tools/list'), { 'mcp-protocol-version': undefined, 'mcp-method': 'tools/list' }), 400, -32020, 1],
    ['an Mcp-Method header that disagrees with the body', () => post(request('tools/list'), { 'mcp-method': 'prompts/list' }), 400, -32020, 1],
    ['no Mcp-Method header', () => post(request('tools/list')), 400, -32020, 1],
    ['an Mcp-Name header that disagrees with the tool', () => post(request('tools/call', { name: 'add', arguments: { a: 1, b: 2 } }), { 'mcp-method': 'tools/call', 'mcp-name': 'other' }), 400, -32020, 1],
    ['no Mcp-Name header on a call', () => post(request('tools/call', { name: 'add', arguments: { a: 1, b: 2 } }), { 'mcp-method': 'tools/call' }), 400, -32020, 1],
    ['a batch holding a modern request', () => post([request('tools/list')], { 'mcp-method': 'tools/list' }), 400, -32600, null],
    ['a message without "jsonrpc"', () => post({ id: 7, method: 'tools/list', params: { _meta: ENVELOPE } }, { 'mcp-method': 'tools/list' }), 400, -32600, 7],
    ['an id that is neither string nor number', () => post(request('tools/list', {}, { x: 1 }), { 'mcp-method': 'tools/list' }), 400, -32600, null],
    ['params that are not an object', () => post({ jsonrpc: '2.0', id: 8, method: 'tools/list', params: [1] }, { 'mcp-method': 'tools/list' }), 400, -32600, 8],
    ['a body that is not JSON', () => post('{"jsonrpc":'), 400, -32700, null],
    ['a body over --max-body', () => post(request('tools/call', { name: 'add', arguments: { a: 1, b: 2, pad: 'x'.repeat(300_000) } }), { 'mcp-method': 'tools/call', 'mcp-name': 'add' }), 413, -32000, null],
    ['a body that is not JSON by its type', () => post(JSON.stringify(request('tools/list')), { 'content-type': 'text/plain', 'mcp-method': 'tools/list' }), 415, -32000, null],
  ])('refuses %s', async (_what, send, status, code, id) => {
    const res = await send();
    expect(res.status).toBe(status);
    const body = rpcError(res);
    expect(body.jsonrpc).toBe('2.0');
    expect(body.error.code).toBe(code);
    expect(body.id).toEqual(id);
  });

  it('names the supported revisions when refusing an unsupported one, so a client can fall back', async () => {
    const res = await post({ jsonrpc: '2.0', id: 2, method: 'tools/list', params: { _meta: { ...ENVELOPE, 'io.modelcontextprotocol/protocolVersion': '2099-01-01' } } }, { 'mcp-protocol-version': '2099-01-01', 'mcp-method': 'tools/list' });
    expect(rpcError(res).error).toEqual({ code: -32022, message: 'Unsupported protocol version: 2099-01-01', data: { supported: [MODERN], requested: '2099-01-01' } });
  });

  it('says which header disagrees, and which envelope key is wrong', async () => {
    const mismatch = rpcError(await post(request('tools/list'), { 'mcp-method': 'prompts/list' }));
    expect(mismatch.error.message).toBe('Bad Request: the request headers and body disagree: the body names method tools/list but the Mcp-Method header names prompts/list');
    expect(mismatch.error.data).toEqual({ mismatch: { header: 'prompts/list', body: 'the body names method tools/list but the Mcp-Method header names prompts/list' } });
    const envelope = rpcError(await post({ jsonrpc: '2.0', id: 4, method: 'tools/list', params: { _meta: { 'io.modelcontextprotocol/protocolVersion': MODERN } } }, { 'mcp-method': 'tools/list' }));
    expect(envelope.error.data).toEqual({ envelope: { key: 'io.modelcontextprotocol/clientCapabilities', problem: 'missing' } });
    const missing = rpcError(await post({ jsonrpc: '2.0', id: 3, method: 'tools/list' }, { 'mcp-method': 'tools/list' }));
    expect(missing.error.data).toEqual({ envelope: { missing: ['_meta'] } });
  });

  it('accepts a request without clientInfo, which the revision only recommends', async () => {
    const res = await post({ jsonrpc: '2.0', id: 9, method: 'tools/list', params: { _meta: { 'io.modelcontextprotocol/protocolVersion': MODERN, 'io.modelcontextprotocol/clientCapabilities': {} } } }, { 'mcp-method': 'tools/list' });
    expect(res.status).toBe(200);
    expect(res.json.result.tools).toHaveLength(1);
  });

  it('answers whatever the Accept header says: the revision leaves the 406 to 2025 sessions', async () => {
    for (const accept of ['application/json', 'text/event-stream', 'text/html', undefined]) {
      const res = await post(request('tools/list'), { accept, 'mcp-method': 'tools/list' });
      expect(res.status, String(accept)).toBe(200);
      expect(res.headers['content-type']).toBe('application/json');
    }
  });

  it('keeps errors a method raises in-band on 200', async () => {
    const unknown = await post(request('tools/call', { name: 'nope' }), { 'mcp-method': 'tools/call', 'mcp-name': 'nope' });
    expect(unknown.status).toBe(200);
    expect(rpcError(unknown)).toMatchObject({ id: 1, error: { code: -32602, message: 'Unknown tool: nope' } });
    const state = await post(request('tools/call', { name: 'add', arguments: { a: 1, b: 2 }, requestState: 'made-up' }), { 'mcp-method': 'tools/call', 'mcp-name': 'add' });
    expect(state.status).toBe(200);
    expect(rpcError(state).error).toEqual({ code: -32602, message: 'Invalid or expired requestState', data: { reason: 'invalid_request_state' } });
    const responses = await post(request('tools/call', { name: 'add', arguments: { a: 1, b: 2 }, inputResponses: 5 }), { 'mcp-method': 'tools/call', 'mcp-name': 'add' });
    expect(responses.status).toBe(200);
    expect(rpcError(responses).error.code).toBe(-32602);
    // SEP-2164: the revision folds resource-not-found (-32002 in 2025) into invalid params.
    const missing = await post(request('resources/read', { uri: 'docs://missing' }), { 'mcp-method': 'resources/read', 'mcp-name': 'docs://missing' });
    expect(missing.status).toBe(200);
    expect(rpcError(missing).error).toEqual({ code: -32602, message: 'Resource not found: docs://missing', data: { uri: 'docs://missing' } });
    const listen = await post(request('subscriptions/listen', {}, 'L'), { 'mcp-method': 'subscriptions/listen' });
    expect(listen.status).toBe(200);
    expect(rpcError(listen)).toMatchObject({ id: 'L', error: { code: -32602 } });
  });

  it('accepts a modern notification with 202 and no body', async () => {
    const res = await post({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 1, _meta: ENVELOPE } }, { 'mcp-method': 'notifications/cancelled' });
    expect(res.status).toBe(202);
    expect(res.body).toBe('');
  });

  it.each([
    ['GET', 400],
    ['DELETE', 400],
    ['PUT', 405],
  ])('leaves %s /mcp with a modern version header to the 2025 routes (%i)', async (method, status) => {
    const res = await rawRequest(server.mcpUrl, { method, headers: { accept: 'text/event-stream', 'mcp-protocol-version': MODERN } });
    expect(res.status).toBe(status);
    expect(rpcError(res).error.code).toBe(-32000);
    if (status === 405) expect(res.headers.allow).toBe('GET, POST, DELETE');
  });

  it('answers a posted response without a session as the 2025 routes do', async () => {
    const res = await post({ jsonrpc: '2.0', id: 1, result: {} });
    expect(res.status).toBe(400);
    expect(rpcError(res).error.message).toMatch(/no Mcp-Session-Id/);
  });

  it('opens subscriptions/listen as an event stream whose first event acknowledges the honoured filter', async () => {
    const res = await new Promise<{ status: number; headers: Record<string, unknown>; first: string }>((resolve, reject) => {
      import('node:http').then(({ request: send }) => {
        const req = send(server.mcpUrl, { method: 'POST', headers: { ...HEADERS, 'mcp-method': 'subscriptions/listen' }, agent: false }, (r) => {
          let text = '';
          r.setEncoding('utf8');
          r.on('data', (chunk: string) => {
            text += chunk;
            if (text.includes('\n\n')) {
              resolve({ status: r.statusCode!, headers: r.headers, first: text });
              req.destroy();
            }
          });
        });
        req.on('error', reject);
        req.end(JSON.stringify(request('subscriptions/listen', { notifications: { toolsListChanged: true, resourceSubscriptions: ['a://b'], bogus: 1 } }, 'L')));
      }, reject);
    });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/event-stream');
    expect(res.headers['cache-control']).toBe('no-cache, no-transform');
    expect(res.headers['x-accel-buffering']).toBe('no');
    const data = JSON.parse(/^data: (.+)$/m.exec(res.first)![1]!);
    expect(data).toEqual({
      jsonrpc: '2.0',
      method: 'notifications/subscriptions/acknowledged',
      params: { notifications: { toolsListChanged: true, resourceSubscriptions: ['a://b'] }, _meta: { 'io.modelcontextprotocol/subscriptionId': 'L' } },
    });
  });

  it('answers 100,000-deep JSON with a parse error, not a crash', async () => {
    const deep = `{"jsonrpc":"2.0","id":1,"method":"tools/list","params":{"_meta":${JSON.stringify(ENVELOPE)},"x":${'['.repeat(100_000)}${']'.repeat(100_000)}}}`;
    const res = await rawRequest(server.mcpUrl, { method: 'POST', headers: { ...HEADERS, 'mcp-method': 'tools/list' }, body: deep });
    expect(res.status).toBe(400);
    expect(rpcError(res).error.code).toBe(-32700);
    // Still serving.
    expect((await post(request('tools/list'), { 'mcp-method': 'tools/list' })).status).toBe(200);
  });

  it('accepts a body that starts with a UTF-8 byte order mark', async () => {
    const body = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(JSON.stringify(request('tools/list')))]);
    const res = await rawRequest(server.mcpUrl, { method: 'POST', headers: { ...HEADERS, 'mcp-method': 'tools/list' }, body });
    expect(res.status).toBe(200);
    expect(res.json.result.tools).toHaveLength(1);
  });
});
