import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runToEnd, serve, type ServeHandle } from '../helpers/cli.js';
import { connect, TRANSPORTS } from '../helpers/clients.js';
import { health, waitForHealth } from '../helpers/health.js';
import { openRawSse, rawRequest } from '../helpers/raw-http.js';
import { removeDir, tempDir } from '../helpers/temp.js';

const TOOLS = {
  'tools/echo.ts': `
    import { z } from 'zod';
    import { defineTool } from 'mcp-sse';
    export default defineTool({ description: 'Echo', input: { text: z.string() }, handler: ({ text }) => String(text.length) });`,
  'tools/big.ts': `
    import { z } from 'zod';
    import { defineTool } from 'mcp-sse';
    export default defineTool({ description: 'A large result', input: { bytes: z.number() }, handler: ({ bytes }) => 'x'.repeat(bytes) });`,
  'tools/slow.ts': `
    import { z } from 'zod';
    import { defineTool } from 'mcp-sse';
    export default defineTool({ description: 'Slow', input: { ms: z.number() }, handler: ({ ms }) => new Promise((r) => setTimeout(() => r('slept'), ms)) });`,
  'tools/chatty.ts': `
    import { z } from 'zod';
    import { defineTool } from 'mcp-sse';
    export default defineTool({
      description: 'Logs a lot during the call',
      input: { count: z.number(), bytes: z.number() },
      async handler({ count, bytes }, ctx) {
        for (let i = 0; i < count; i++) await ctx.log.info('x'.repeat(bytes));
        return 'done';
      },
    });`,
};
const JSON_HEADERS = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
const INIT = JSON.stringify({
  jsonrpc: '2.0',
  id: 0,
  method: 'initialize',
  params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
});
const call = (id: number, name: string, args: Record<string, unknown>) => JSON.stringify({ jsonrpc: '2.0', id, method: 'tools/call', params: { name, arguments: args } });

let dir: string;
beforeAll(async () => {
  dir = await tempDir(TOOLS);
});
afterAll(async () => {
  await removeDir(dir);
});

describe('defaults', () => {
  it('serve --help shows the production defaults and the proxy options', async () => {
    const { code, output } = await runToEnd(['serve', '--help']);
    expect(code).toBe(0);
    for (const line of [
      /--keepalive <ms>.*\(default: 15000\)/,
      /--max-sessions <n>.*\(default: 10000\)/,
      /--session-timeout <ms>.*\(default: 1800000\)/,
      /--max-body <bytes>.*\(default: 4194304\)/,
      /--shutdown-timeout <ms>.*\(default: 10000\)/,
      /--write-timeout <ms>.*\(default: 30000\)/,
      /--trust-proxy/,
    ]) expect(output.replace(/\n\s+/g, ' ')).toMatch(line);
  });
});

describe('request body limit', () => {
  let server: ServeHandle;
  let small: ServeHandle;
  beforeAll(async () => {
    [server, small] = await Promise.all([serve(`${dir}/tools`, ['--no-watch']), serve(`${dir}/tools`, ['--no-watch', '--max-body', '1000'])]);
  });
  afterAll(async () => {
    await Promise.all([server?.stop(), small?.stop()]);
  });

  it.each(TRANSPORTS)('accepts an argument just under 4 MB over %s', async (transport) => {
    const c = await connect(server.url, transport);
    const text = 'y'.repeat(4 * 1024 * 1024 - 1024);
    const result = await c.client.callTool({ name: 'echo', arguments: { text } });
    expect(result.content).toEqual([{ type: 'text', text: String(text.length) }]);
    await c.close();
  });

  it('answers 413 past 4 MB on /mcp and /messages, by Content-Length or by counting a chunked body', async () => {
    const body = call(1, 'echo', { text: 'y'.repeat(4 * 1024 * 1024 + 10) });
    const sse = await openRawSse(server.sseUrl);
    for (const url of [server.mcpUrl, `${server.url}${sse.endpoint}`]) {
      // Announced too large: answered before the body is read (the client sends only its start).
      const declared = await new Promise<{ status: number; json: any }>((resolve, reject) => {
        const req = http.request(url, { method: 'POST', headers: { ...JSON_HEADERS, 'content-length': String(body.length) }, agent: false }, (res) => {
          let text = '';
          res.on('data', (d) => (text += d));
          res.on('end', () => resolve({ status: res.statusCode!, json: JSON.parse(text) }));
        });
        req.on('error', reject);
        req.write(body.slice(0, 1000));
      });
      expect(declared.status, url).toBe(413);
      expect(declared.json.error.message).toBe('Payload Too Large: the limit is 4194304 bytes');
      const chunked = await rawRequest(url, { method: 'POST', headers: { ...JSON_HEADERS, 'transfer-encoding': 'chunked' }, body });
      expect(chunked.status, url).toBe(413);
    }
    sse.destroy();
    expect((await health(server.url)).status).toBe('ok');
  });

  it('--max-body sets the limit', async () => {
    const res = await rawRequest(small.mcpUrl, { method: 'POST', headers: JSON_HEADERS, body: call(1, 'echo', { text: 'y'.repeat(1000) }) });
    expect(res.status).toBe(413);
    expect(res.json.error.message).toBe('Payload Too Large: the limit is 1000 bytes');
  });
});

describe('--max-sessions', () => {
  let server: ServeHandle;
  beforeAll(async () => {
    server = await serve(`${dir}/tools`, ['--no-watch', '--max-sessions', '3']);
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('answers 503 with a clear message on both transports when full, and admits again once a session ends', async () => {
    const a = await connect(server.url, 'sse');
    const b = await connect(server.url, 'http');
    const c = await openRawSse(server.sseUrl);
    // Sessions never used past the handshake would be evicted for newcomers (#23): use them.
    await Promise.all([a.client.listTools(), b.client.listTools()]);
    await rawRequest(`${server.url}${c.endpoint}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"jsonrpc":"2.0","id":1,"method":"ping"}' });
    await c.waitFor(/"id":1,"result"/);
    expect((await health(server.url)).sessions.total).toBe(3);

    const sse = await rawRequest(server.sseUrl, { headers: { accept: 'text/event-stream' } });
    expect(sse.status).toBe(503);
    expect(sse.json.error.message).toBe('Service Unavailable: the server holds its maximum number of sessions (--max-sessions)');
    const mcp = await rawRequest(server.mcpUrl, { method: 'POST', headers: JSON_HEADERS, body: INIT });
    expect(mcp.status).toBe(503);
    expect(mcp.json.error.message).toBe('Service Unavailable: the server holds its maximum number of sessions (--max-sessions)');
    expect(mcp.headers['retry-after']).toBe('10');
    await expect(connect(server.url, 'http')).rejects.toThrow(/503|maximum number of sessions/);

    // Sessions already open keep working at the cap.
    expect((await a.client.callTool({ name: 'echo', arguments: { text: 'ok' } })).content).toEqual([{ type: 'text', text: '2' }]);
    c.destroy();
    await waitForHealth(server.url, (h) => h.sessions.total === 2);
    const d = await connect(server.url, 'http');
    expect((await d.client.listTools()).tools.length).toBe(4);
    await Promise.all([a.close(), b.close(), d.close()]);
  });
});

describe('--session-timeout', () => {
  let server: ServeHandle;
  beforeAll(async () => {
    server = await serve(`${dir}/tools`, ['--no-watch', '--session-timeout', '600']);
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('reaps an idle legacy SSE session whose stream is open but whose client does not answer a ping', async () => {
    const sse = await openRawSse(server.sseUrl);
    const id = new URL(sse.endpoint, server.url).searchParams.get('sessionId')!;
    await waitForHealth(server.url, (h) => h.sessions.sse === 0, 10_000);
    await sse.ended;
    const res = await rawRequest(`${server.url}${sse.endpoint}`, { method: 'POST', headers: JSON_HEADERS, body: '{"jsonrpc":"2.0","id":1,"method":"ping"}' });
    expect(res.status, id).toBe(404);
  });

  it.each(TRANSPORTS)('keeps an idle %s client that answers the liveness ping', async (transport) => {
    const c = await connect(server.url, transport);
    await c.streamReady;
    const before = c.notifications.length;
    // Three timeouts without a message from the client: without the ping it would be gone.
    await new Promise((resolve) => setTimeout(resolve, 2000));
    expect((await health(server.url)).sessions[transport]).toBe(1);
    expect((await c.client.listTools()).tools.length).toBe(4);
    expect(c.notifications.length).toBe(before);
    await c.close();
    await waitForHealth(server.url, (h) => h.sessions[transport] === 0, 10_000);
  });

  it('reaps the Streamable HTTP session of a real client that closed without DELETE, then 404s its id', async () => {
    const c = await connect(server.url, 'http');
    await c.streamReady;
    const sessionId = (c.client.transport as { sessionId?: string }).sessionId!;
    expect((await health(server.url)).sessions.http).toBe(1);
    await c.close();
    await waitForHealth(server.url, (h) => h.sessions.http === 0, 10_000);
    const res = await rawRequest(server.mcpUrl, {
      method: 'POST',
      headers: { ...JSON_HEADERS, 'mcp-session-id': sessionId, 'mcp-protocol-version': '2025-06-18' },
      body: '{"jsonrpc":"2.0","id":1,"method":"ping"}',
    });
    expect(res.status).toBe(404);
  });

  it('keeps a session that talks, and one whose call runs longer than the timeout', async () => {
    const c = await connect(server.url, 'sse');
    const deadline = Date.now() + 2000;
    while (Date.now() < deadline) {
      await c.client.ping();
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect((await health(server.url)).sessions.sse).toBe(1);
    expect((await c.client.callTool({ name: 'slow', arguments: { ms: 1500 } })).content).toEqual([{ type: 'text', text: 'slept' }]);
    expect((await health(server.url)).sessions.sse).toBe(1);
    await c.close();
  });
});

describe('slow consumers', () => {
  let server: ServeHandle;
  beforeAll(async () => {
    server = await serve(`${dir}/tools`, ['--no-watch', '--write-timeout', '1000']);
  });
  afterAll(async () => {
    await server?.stop();
  });

  it.each(TRANSPORTS)('delivers a 9 MB result (more than the 8 MB cap) to a client that reads, over %s', async (transport) => {
    const c = await connect(server.url, transport);
    const result = await c.client.callTool({ name: 'big', arguments: { bytes: 9_000_000 } });
    expect((result.content as Array<{ text: string }>)[0]!.text.length).toBe(9_000_000);
    expect((await c.client.callTool({ name: 'echo', arguments: { text: 'after' } })).content).toEqual([{ type: 'text', text: '5' }]);
    const id = (c.client.transport as { sessionId?: string }).sessionId;
    await c.close();
    expect(server.output()).not.toMatch(/stopped reading/);
    // The SDK client sends no DELETE: end the session the way a well-behaved client would.
    if (transport === 'http') {
      await rawRequest(server.mcpUrl, { method: 'DELETE', headers: { 'mcp-session-id': id!, 'mcp-protocol-version': '2025-06-18' } });
    }
  });

  it('drops a legacy SSE session that stopped reading, not the process', async () => {
    const sse = await openRawSse(server.sseUrl);
    sse.res.pause();
    const from = server.output().length;
    const url = `${server.url}${sse.endpoint}`;
    for (let i = 1; i <= 40 && !/stopped reading/.test(server.output().slice(from)); i++) {
      const res = await rawRequest(url, { method: 'POST', headers: JSON_HEADERS, body: call(i, 'big', { bytes: 1_000_000 }) });
      expect([202, 404]).toContain(res.status);
    }
    await server.waitFor(/session \S+ stopped reading; dropped it/, { from });
    await waitForHealth(server.url, (h) => h.sessions.sse === 0);
    const c = await connect(server.url, 'sse');
    expect((await c.client.callTool({ name: 'echo', arguments: { text: 'still here' } })).content).toEqual([{ type: 'text', text: '10' }]);
    await c.close();
    sse.destroy();
  });

  it('drops a Streamable HTTP session whose call response is not read for --write-timeout', async () => {
    const before = (await health(server.url)).sessions.http;
    const init = await rawRequest(server.mcpUrl, { method: 'POST', headers: JSON_HEADERS, body: INIT });
    const sessionId = init.headers['mcp-session-id'] as string;
    const headers = { ...JSON_HEADERS, 'mcp-session-id': sessionId, 'mcp-protocol-version': '2025-06-18' };
    await rawRequest(server.mcpUrl, { method: 'POST', headers, body: '{"jsonrpc":"2.0","method":"notifications/initialized"}' });
    const from = server.output().length;
    // Post the call and never read its response stream.
    const req = http.request(server.mcpUrl, { method: 'POST', headers, agent: false }, (res) => res.pause());
    // Dropped, this client sees its connection reset.
    req.on('error', () => undefined);
    req.end(call(1, 'chatty', { count: 200, bytes: 200_000 }));
    await server.waitFor(new RegExp(`session ${sessionId} stopped reading; dropped it`), { from });
    await waitForHealth(server.url, (h) => h.sessions.http === before);
    req.destroy();
    const c = await connect(server.url, 'http');
    expect((await c.client.listTools()).tools.length).toBe(4);
    await c.close();
  });
});
