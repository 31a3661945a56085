import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serve, type ServeHandle } from '../helpers/cli.js';
import { connect, TRANSPORTS } from '../helpers/clients.js';
import { openRawSse, rawRequest } from '../helpers/raw-http.js';
import { removeDir, tempDir } from '../helpers/temp.js';

const TOOLS = {
  'tools/echo.ts': `
    import { z } from 'zod';
    import { defineTool } from 'mcp-sse';
    export default defineTool({ description: 'Echo', input: { text: z.string() }, handler: ({ text }) => text });`,
};
const INIT = JSON.stringify({
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
});
const JSON_HEADERS = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };

/** Opens a Streamable HTTP session with raw requests and returns its id. */
async function openHttpSession(mcpUrl: string, headers: Record<string, string> = {}): Promise<string> {
  const res = await rawRequest(mcpUrl, { method: 'POST', headers: { ...JSON_HEADERS, ...headers }, body: INIT });
  expect(res.status).toBe(200);
  return res.headers['mcp-session-id'] as string;
}

/** One request per MCP route, each as a client would send it, with extra headers. */
function everyMcpRoute(server: ServeHandle, headers: Record<string, string>) {
  const h = { ...JSON_HEADERS, ...headers };
  return {
    'GET /sse': () => rawRequest(server.sseUrl, { headers: { accept: 'text/event-stream', ...headers }, timeoutMs: 3000 }),
    'POST /messages': () => rawRequest(`${server.url}/messages?sessionId=x`, { method: 'POST', headers: h, body: '{}' }),
    'POST /mcp': () => rawRequest(server.mcpUrl, { method: 'POST', headers: h, body: INIT }),
    'GET /mcp': () => rawRequest(server.mcpUrl, { headers: { ...h, 'mcp-session-id': 'x' } }),
    'DELETE /mcp': () => rawRequest(server.mcpUrl, { method: 'DELETE', headers: { ...h, 'mcp-session-id': 'x' } }),
  };
}

let dir: string;
let plain: ServeHandle;
let guarded: ServeHandle;

beforeAll(async () => {
  dir = await tempDir(TOOLS);
  [plain, guarded] = await Promise.all([
    serve(`${dir}/tools`, ['--no-watch']),
    serve(`${dir}/tools`, ['--no-watch', '--allowed-origins', 'https://app.example.com', '--allowed-hosts', 'mcp.example.com', '--cors'], {
      env: { MCP_SSE_AUTH_TOKEN: 's3cret-token' },
    }),
  ]);
});

afterAll(async () => {
  await Promise.all([plain?.stop(), guarded?.stop()]);
  await removeDir(dir);
});

describe('Host header (DNS-rebinding protection on a loopback bind)', () => {
  it.each(Object.keys(everyMcpRoute({} as ServeHandle, {})))('%s with a foreign Host is 403 naming the option', async (route) => {
    const res = await everyMcpRoute(plain, { host: 'evil.example.com' })[route as 'GET /sse']();
    expect(res.status).toBe(403);
    expect(res.json.error.message).toBe('Forbidden: Host "evil.example.com" is not allowed (see --allowed-hosts)');
  });

  it('accepts loopback names with any port, and names given with --allowed-hosts', async () => {
    for (const host of ['localhost:1234', '127.0.0.1', '[::1]:8000']) {
      const res = await rawRequest(plain.mcpUrl, { method: 'POST', headers: { ...JSON_HEADERS, host }, body: INIT });
      expect(res.status, host).toBe(200);
    }
    const extra = await rawRequest(guarded.mcpUrl, {
      method: 'POST',
      headers: { ...JSON_HEADERS, host: 'mcp.example.com:443', authorization: 'Bearer s3cret-token' },
      body: INIT,
    });
    expect(extra.status).toBe(200);
    expect((await rawRequest(plain.mcpUrl, { method: 'POST', headers: { ...JSON_HEADERS, host: 'mcp.example.com' }, body: INIT })).status).toBe(403);
  });

  // A DNS-rebinding page must not read /healthz (#23): a probe that sends another Host names it
  // with --allowed-hosts, as MCP clients do.
  it('applies the Host check to /healthz and /readyz too; --allowed-hosts names a probe', async () => {
    expect((await rawRequest(`${plain.url}/healthz`, { headers: { host: 'lb.internal' } })).status).toBe(403);
    expect((await rawRequest(`${plain.url}/readyz`, { headers: { host: 'lb.internal' } })).status).toBe(403);
    expect((await rawRequest(`${guarded.url}/healthz`, { headers: { host: 'mcp.example.com' } })).status).toBe(200);
    expect((await rawRequest(`${guarded.url}/readyz`, { headers: { host: 'mcp.example.com' } })).status).toBe(200);
  });
});

describe('Origin', () => {
  it.each(Object.keys(everyMcpRoute({} as ServeHandle, {})))('%s with a foreign Origin is 403', async (route) => {
    const res = await everyMcpRoute(plain, { origin: 'https://evil.example.com' })[route as 'GET /sse']();
    expect(res.status).toBe(403);
    expect(res.json.error.message).toBe('Forbidden: Origin "https://evil.example.com" is not allowed (see --allowed-origins)');
  });

  it('allows loopback origins by default, --allowed-origins ones, and requests without Origin', async () => {
    for (const origin of ['http://localhost:6274', 'http://127.0.0.1:3000', 'http://[::1]:5173', undefined]) {
      const headers: Record<string, string> = origin ? { origin } : {};
      expect((await rawRequest(plain.mcpUrl, { method: 'POST', headers: { ...JSON_HEADERS, ...headers }, body: INIT })).status, origin).toBe(200);
    }
    expect((await rawRequest(plain.mcpUrl, { method: 'POST', headers: { ...JSON_HEADERS, origin: 'https://app.example.com' }, body: INIT })).status).toBe(403);
    const allowed = await rawRequest(guarded.mcpUrl, {
      method: 'POST',
      headers: { ...JSON_HEADERS, origin: 'https://app.example.com', authorization: 'Bearer s3cret-token' },
      body: INIT,
    });
    expect(allowed.status).toBe(200);
  });

  it('is not fooled by an allowed origin used as a prefix', async () => {
    const res = await rawRequest(plain.mcpUrl, { method: 'POST', headers: { ...JSON_HEADERS, origin: 'http://localhost:80.evil.com' }, body: INIT });
    expect(res.status).toBe(403);
  });
});

describe('bearer token (MCP_SSE_AUTH_TOKEN)', () => {
  it.each(Object.keys(everyMcpRoute({} as ServeHandle, {})))('%s without a token is 401 with WWW-Authenticate', async (route) => {
    const res = await everyMcpRoute(guarded, {})[route as 'GET /sse']();
    expect(res.status).toBe(401);
    expect(res.headers['www-authenticate']).toBe('Bearer realm="mcp-sse"');
    expect(res.json.error.message).toBe('Unauthorized: send Authorization: Bearer <token>');
  });

  it.each(['Bearer wrong', 'Bearer s3cret-token-and-more', 'Bearer s3cret-toke', 'Basic czNjcmV0LXRva2Vu', 'bearer'])(
    'rejects %j with 401',
    async (authorization) => {
      const res = await rawRequest(guarded.mcpUrl, { method: 'POST', headers: { ...JSON_HEADERS, authorization }, body: INIT });
      expect(res.status).toBe(401);
      expect(res.headers['www-authenticate']).toMatch(/^Bearer realm="mcp-sse"/);
    },
  );

  it('keeps /healthz and /readyz open', async () => {
    expect((await rawRequest(`${guarded.url}/healthz`)).status).toBe(200);
    expect((await rawRequest(`${guarded.url}/readyz`)).status).toBe(200);
  });

  it.each(TRANSPORTS)('lets a real %s client with the token list and call tools', async (transport) => {
    const c = await connect(guarded.url, transport, { headers: { Authorization: 'Bearer s3cret-token' } });
    expect((await c.client.listTools()).tools.map((t) => t.name)).toEqual(['echo']);
    expect((await c.client.callTool({ name: 'echo', arguments: { text: 'hi' } })).content).toEqual([{ type: 'text', text: 'hi' }]);
    await c.close();
  });

  it('a session id never stands in for the token', async () => {
    const id = await openHttpSession(guarded.mcpUrl, { authorization: 'Bearer s3cret-token' });
    const list = JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list' });
    const res = await rawRequest(guarded.mcpUrl, { method: 'POST', headers: { ...JSON_HEADERS, 'mcp-session-id': id }, body: list });
    expect(res.status).toBe(401);
    const sse = await openRawSse(guarded.sseUrl, { authorization: 'Bearer s3cret-token' });
    const post = await rawRequest(`${guarded.url}${sse.endpoint}`, { method: 'POST', headers: JSON_HEADERS, body: list });
    expect(post.status).toBe(401);
    sse.destroy();
  });
});

describe('session ids', () => {
  it('are random UUIDs (v4, from the CSPRNG), unique across many sessions of both transports', async () => {
    const ids = new Set<string>();
    for (let i = 0; i < 20; i++) {
      ids.add(await openHttpSession(plain.mcpUrl));
      const sse = await openRawSse(plain.sseUrl);
      ids.add(new URL(sse.endpoint, plain.url).searchParams.get('sessionId')!);
      sse.destroy();
    }
    expect(ids.size).toBe(40);
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it('are never accepted across transports (404, so clients start over)', async () => {
    const httpId = await openHttpSession(plain.mcpUrl);
    const sse = await openRawSse(plain.sseUrl);
    const sseId = new URL(sse.endpoint, plain.url).searchParams.get('sessionId')!;
    const ping = JSON.stringify({ jsonrpc: '2.0', id: 9, method: 'ping' });
    const onMessages = await rawRequest(`${plain.url}/messages?sessionId=${httpId}`, { method: 'POST', headers: JSON_HEADERS, body: ping });
    expect(onMessages.status).toBe(404);
    expect(onMessages.json.error.message).toBe('Session not found: open a new stream with GET /sse');
    const onMcp = await rawRequest(plain.mcpUrl, { method: 'POST', headers: { ...JSON_HEADERS, 'mcp-session-id': sseId }, body: ping });
    expect(onMcp.status).toBe(404);
    expect(onMcp.json.error.message).toBe('Session not found: send a new initialize request');
    sse.destroy();
  });
});

describe('--cors', () => {
  it('answers a preflight from an allowed origin with the MCP headers, and exposes Mcp-Session-Id', async () => {
    const preflight = await rawRequest(guarded.mcpUrl, {
      method: 'OPTIONS',
      headers: {
        origin: 'https://app.example.com',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type,authorization,mcp-session-id,mcp-protocol-version',
      },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers['access-control-allow-origin']).toBe('https://app.example.com');
    const allowed = String(preflight.headers['access-control-allow-headers']).toLowerCase().split(',');
    for (const h of ['content-type', 'authorization', 'mcp-session-id', 'mcp-protocol-version', 'last-event-id']) expect(allowed).toContain(h);
    expect(String(preflight.headers['access-control-allow-methods'])).toContain('DELETE');

    const post = await rawRequest(guarded.mcpUrl, {
      method: 'POST',
      headers: { ...JSON_HEADERS, origin: 'https://app.example.com', authorization: 'Bearer s3cret-token' },
      body: INIT,
    });
    expect(post.status).toBe(200);
    expect(post.headers['access-control-allow-origin']).toBe('https://app.example.com');
    expect(String(post.headers['access-control-expose-headers']).toLowerCase()).toContain('mcp-session-id');
  });

  it('gives a foreign origin no CORS headers', async () => {
    const preflight = await rawRequest(guarded.mcpUrl, {
      method: 'OPTIONS',
      headers: { origin: 'https://evil.example.com', 'access-control-request-method': 'POST' },
    });
    expect(preflight.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('is off by default: no CORS headers', async () => {
    const post = await rawRequest(plain.mcpUrl, { method: 'POST', headers: { ...JSON_HEADERS, origin: 'http://localhost:1' }, body: INIT });
    expect(post.status).toBe(200);
    expect(post.headers['access-control-allow-origin']).toBeUndefined();
  });
});

describe('startup warnings', () => {
  it('prints no exposure warning on a loopback bind', () => {
    expect(plain.output()).not.toMatch(/without --auth-token/);
  });

  // Bound to every interface, but talked to only over loopback.
  it('warns about a bind to every interface without a token, serves it, and is quiet with one', async () => {
    const open = await serve(`${dir}/tools`, ['--host', '0.0.0.0', '--no-watch']);
    try {
      await open.waitFor(/listening on 0\.0\.0\.0 without --auth-token: anyone who can reach this port can call your tools/);
      const c = await connect(`http://127.0.0.1:${open.port}`, 'http');
      expect((await c.client.callTool({ name: 'echo', arguments: { text: 'hi' } })).content).toEqual([{ type: 'text', text: 'hi' }]);
      await c.close();
    } finally {
      await open.stop();
    }
    const guarded = await serve(`${dir}/tools`, ['--host', '0.0.0.0', '--no-watch', '--auth-token', 'a-long-secret-token']);
    try {
      expect(guarded.output()).not.toMatch(/without --auth-token/);
      expect((await rawRequest(`http://127.0.0.1:${guarded.port}/mcp`, { method: 'POST', headers: JSON_HEADERS, body: INIT })).status).toBe(401);
    } finally {
      await guarded.stop();
    }
  });
});
