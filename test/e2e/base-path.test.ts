import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serve, type ServeHandle } from '../helpers/cli.js';
import { connect } from '../helpers/clients.js';
import { openRawSse, rawRequest } from '../helpers/raw-http.js';
import { freePort } from '../helpers/redis.js';
import { removeDir, tempDir } from '../helpers/temp.js';

const FORWARDED = { 'x-forwarded-proto': 'https', 'x-forwarded-host': 'tools.example.com', 'x-forwarded-prefix': '/team' };
let dir: string;
let based: ServeHandle;
let publicUrl: ServeHandle;
let trusting: ServeHandle;
let publicPort: number;

beforeAll(async () => {
  dir = await tempDir({ 'tools/ping.ts': `import { defineTool } from 'mcp-sse'; export default defineTool({ description: 'Ping', handler: () => 'pong' });` });
  // The banner shows the public URL only, so the listening port is chosen here.
  publicPort = await freePort();
  [based, publicUrl, trusting] = await Promise.all([
    serve(`${dir}/tools`, ['--no-watch', '--base-path', '/tools/']),
    serve(`${dir}/tools`, ['--no-watch', '--public-url', 'https://example.com/mcp-tools/', '--port', String(publicPort)]),
    serve(`${dir}/tools`, ['--no-watch', '--base-path', '/tools', '--trust-proxy']),
  ]);
});

afterAll(async () => {
  await Promise.all([based?.stop(), publicUrl?.stop(), trusting?.stop()]);
  await removeDir(dir);
});

describe('--base-path', () => {
  it('puts every route under the prefix and the endpoint event points there', async () => {
    expect(based.sseUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/tools\/sse$/);
    const stream = await openRawSse(based.sseUrl);
    expect(stream.endpoint).toMatch(/^\/tools\/messages\?sessionId=[0-9a-f-]{36}$/);
    stream.destroy();
    expect((await rawRequest(`${based.url}/healthz`)).status).toBe(200);
    const root = await rawRequest(`http://127.0.0.1:${based.port}/sse`);
    expect(root.status).toBe(404);
    expect(root.json.error).toBe('Not found: GET /sse. MCP endpoints are /tools/sse and /tools/mcp');
    const c = await connect(based.url, 'sse');
    expect((await c.client.callTool({ name: 'ping', arguments: {} })).content).toEqual([{ type: 'text', text: 'pong' }]);
    await c.close();
  });

  it('ignores X-Forwarded-* without --trust-proxy', async () => {
    const stream = await openRawSse(based.sseUrl, FORWARDED);
    expect(stream.endpoint).toMatch(/^\/tools\/messages\?sessionId=/);
    stream.destroy();
  });
});

describe('--public-url', () => {
  it('prints the public URLs and serves under its path', async () => {
    expect(publicUrl.output()).toMatch(/Streamable HTTP\s+https:\/\/example\.com\/mcp-tools\/mcp/);
    expect(publicUrl.output()).toMatch(/SSE \(legacy\)\s+https:\/\/example\.com\/mcp-tools\/sse/);
    const stream = await openRawSse(`http://127.0.0.1:${publicPort}/mcp-tools/sse`);
    expect(stream.endpoint).toMatch(/^\/mcp-tools\/messages\?sessionId=/);
    stream.destroy();
  });
});

describe('--trust-proxy', () => {
  it('announces the forwarded origin and prefix before the base path', async () => {
    const stream = await openRawSse(trusting.sseUrl, FORWARDED);
    expect(stream.endpoint).toMatch(/^https:\/\/tools\.example\.com\/team\/tools\/messages\?sessionId=[0-9a-f-]{36}$/);
    stream.destroy();
    const prefixOnly = await openRawSse(trusting.sseUrl, { 'x-forwarded-prefix': '/team/' });
    expect(prefixOnly.endpoint).toMatch(/^\/team\/tools\/messages\?sessionId=/);
    prefixOnly.destroy();
  });

  it('drops forwarded values that are not a plain host or path', async () => {
    const stream = await openRawSse(trusting.sseUrl, { 'x-forwarded-prefix': '/x?sessionId=evil', 'x-forwarded-host': 'evil.com/steal' });
    expect(stream.endpoint).toMatch(/^\/tools\/messages\?sessionId=[0-9a-f-]{36}$/);
    stream.destroy();
  });

  it('also uses the forwarded prefix in the not-found hint', async () => {
    const res = await rawRequest(`http://127.0.0.1:${trusting.port}/nope`, { headers: { 'x-forwarded-prefix': '/team' } });
    expect(res.json.error).toBe('Not found: GET /nope. MCP endpoints are /team/tools/sse and /team/tools/mcp');
  });
});
