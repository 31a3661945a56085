import { writeFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serve, type ServeHandle } from '../helpers/cli.js';
import { connect, TRANSPORTS } from '../helpers/clients.js';
import { startNginx, type NginxHandle } from '../helpers/nginx-upstream.js';
import { openRawSse, rawRequest } from '../helpers/raw-http.js';
import { removeDir, tempDir } from '../helpers/temp.js';

const tool = (description: string) => `
  import { defineTool } from 'mcp-sse';
  export default defineTool({ description: ${JSON.stringify(description)}, handler: () => 'pong' });`;

// Three mcp-sse behind one nginx, each under a path prefix, proxy buffering left at nginx's
// default (on) and a read timeout far shorter than a client's idle time:
//   /tools/  → --base-path /tools, prefix passed through
//   /team/   → prefix stripped by nginx, announced back through X-Forwarded-Prefix (--trust-proxy)
//   /bare/   → --keepalive 0, the control: nothing keeps its idle stream alive
const READ_TIMEOUT_S = 2;
let dir: string;
let tools: ServeHandle;
let team: ServeHandle;
let bare: ServeHandle;
let nginx: NginxHandle;

const location = (prefix: string, upstream: string, extra = '') => `
    location ${prefix} {
      proxy_pass ${upstream};
      proxy_http_version 1.1;
      proxy_set_header Connection '';
      proxy_set_header Host $host:$server_port;
      proxy_read_timeout ${READ_TIMEOUT_S}s;
      ${extra}
    }`;

beforeAll(async () => {
  dir = await tempDir({ 'tools/ping.ts': tool('Ping') });
  [tools, team, bare] = await Promise.all([
    serve(`${dir}/tools`, ['--base-path', '/tools', '--keepalive', '500']),
    serve(`${dir}/tools`, ['--trust-proxy', '--keepalive', '500']),
    serve(`${dir}/tools`, ['--base-path', '/bare', '--keepalive', '0']),
  ]);
  nginx = await startNginx(
    (port) => `
  server {
    listen 127.0.0.1:${port};
    ${location('/tools/', `http://127.0.0.1:${tools.port}`)}
    ${location('/team/', `http://127.0.0.1:${team.port}/`, 'proxy_set_header X-Forwarded-Prefix /team;')}
    ${location('/bare/', `http://127.0.0.1:${bare.port}`)}
  }`,
    '/tools/readyz',
  );
});

afterAll(async () => {
  await nginx?.stop();
  await Promise.all([tools?.stop(), team?.stop(), bare?.stop()]);
  await removeDir(dir);
});

describe('behind nginx with buffering on', () => {
  it('sends the SSE headers that turn nginx buffering off, and the endpoint under the prefix', async () => {
    const stream = await openRawSse(`${nginx.url}/tools/sse`);
    expect(stream.headers['x-accel-buffering']).toBeUndefined(); // nginx consumes it
    expect(stream.headers['cache-control']).toBe('no-cache, no-transform');
    expect(stream.endpoint).toMatch(/^\/tools\/messages\?sessionId=[0-9a-f-]{36}$/);
    stream.destroy();
    const direct = await openRawSse(`${tools.url}/sse`);
    expect(direct.headers['x-accel-buffering']).toBe('no');
    direct.destroy();
  });

  it.each(TRANSPORTS)('a real %s client lists tools and gets list_changed within a second of an edit (--base-path)', async (transport) => {
    const c = await connect(`${nginx.url}/tools`, transport);
    await c.streamReady;
    expect((await c.client.listTools()).tools.map((t) => t.description)).toEqual([expect.stringMatching(/^Ping/)]);
    const since = c.notifications.length;
    const edited = Date.now();
    await writeFile(`${dir}/tools/ping.ts`, tool(`Ping ${transport} ${edited}`));
    await c.nextNotification('notifications/tools/list_changed', { since, timeoutMs: 5000 });
    const latency = Date.now() - edited;
    expect(latency).toBeLessThan(1000);
    expect((await c.client.listTools()).tools[0]!.description).toBe(`Ping ${transport} ${edited}`);
    await c.close();
  });

  it.each(TRANSPORTS)('a real %s client works where nginx strips the prefix and --trust-proxy announces it', async (transport) => {
    const c = await connect(`${nginx.url}/team`, transport);
    expect((await c.client.callTool({ name: 'ping', arguments: {} })).content).toEqual([{ type: 'text', text: 'pong' }]);
    await c.close();
    const stream = await openRawSse(`${nginx.url}/team/sse`);
    expect(stream.endpoint).toMatch(/^\/team\/messages\?sessionId=/);
    stream.destroy();
  });

  it(`keeps an idle stream open past proxy_read_timeout (${READ_TIMEOUT_S}s) with --keepalive 500, and it still carries answers`, async () => {
    const stream = await openRawSse(`${nginx.url}/tools/sse`);
    let ended = false;
    void stream.ended.then(() => (ended = true));
    // Idle for twice nginx's read timeout: only keepalive comments cross the proxy.
    await new Promise((resolve) => setTimeout(resolve, READ_TIMEOUT_S * 2000 + 500));
    expect(ended).toBe(false);
    expect(stream.text().match(/^: keepalive$/gm)?.length).toBeGreaterThanOrEqual(4);
    const from = stream.text().length;
    const post = await rawRequest(`${nginx.url}${stream.endpoint}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 'late', method: 'ping' }),
    });
    expect(post.status).toBe(202);
    await stream.waitFor(/"id":"late"/, 5000, from);
    stream.destroy();
  });

  it('control: with --keepalive 0 nginx cuts the idle stream after proxy_read_timeout', async () => {
    const stream = await openRawSse(`${nginx.url}/bare/sse`);
    const opened = Date.now();
    await stream.ended;
    const lived = Date.now() - opened;
    expect(lived).toBeGreaterThanOrEqual(READ_TIMEOUT_S * 1000 - 200);
    expect(lived).toBeLessThan(READ_TIMEOUT_S * 1000 + 5000);
  });
});
