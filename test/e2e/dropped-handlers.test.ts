import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serve, type ServeHandle } from '../helpers/cli.js';
import { connect } from '../helpers/clients.js';
import { waitForHealth } from '../helpers/health.js';
import { openRawSse, rawRequest, type RawSse } from '../helpers/raw-http.js';
import { waitable } from '../helpers/waitable.js';
import { removeDir, tempDir } from '../helpers/temp.js';

/**
 * A handler that logs 256 KB messages for as long as ctx.log lets it and never looks at its
 * signal; once a log fails it asks the test's release server for leave to finish, so the test
 * decides when it settles.
 */
const FILES = {
  'tools/chatty.ts': `
    import { z } from 'zod';
    import { defineTool } from 'mcp-sse';
    export default defineTool({
      description: 'Logs large messages until logging fails',
      input: { tag: z.string(), release: z.string() },
      timeoutMs: 600_000,
      handler: async ({ tag, release }, ctx) => {
        ctx.signal.addEventListener('abort', () => console.error(\`chatty \${tag} aborted: \${ctx.signal.reason?.message}\`));
        const chunk = 'x'.repeat(256 * 1024);
        try {
          for (;;) await ctx.log.info(chunk);
        } catch (error) {
          console.error(\`chatty \${tag} log rejected: \${error.message}\`);
          // Not awaited, as handlers often log: its failure must not be an unhandled rejection.
          ctx.log.info('one more, not awaited');
          await fetch(release);
          throw error;
        } finally {
          console.error(\`chatty \${tag} settled\`);
        }
      },
    });`,
  'tools/hello.ts': `
    import { defineTool } from 'mcp-sse';
    export default defineTool({ description: 'Says hello', handler: () => 'hello' });`,
};

const CLIENTS = 3;
const HEADERS = { 'content-type': 'application/json' };

/** Holds every request until `releaseAll`: how the test lets the stuck handlers finish. */
function releaseServer() {
  const held: http.ServerResponse[] = [];
  const arrived = waitable();
  const server = http.createServer((_req, res) => {
    held.push(res);
    arrived.changed();
  });
  return {
    server,
    listen: () => new Promise<string>((resolve) => server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`))),
    held: (n: number) => arrived.until(() => held.length >= n || undefined, 30_000, () => `only ${held.length} handlers asked for release`),
    releaseAll: () => held.splice(0).forEach((res) => res.end('go')),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

let dir: string;
beforeAll(async () => {
  dir = await tempDir(FILES);
});
afterAll(async () => {
  await removeDir(dir);
});

/** A call whose answer stream the client stops reading, and that stream as the client sees it. */
interface StuckCall {
  res: http.IncomingMessage;
  ended: Promise<void>;
}

async function stuckSseCall(server: ServeHandle, call: object): Promise<StuckCall> {
  const sse: RawSse = await openRawSse(server.sseUrl);
  expect(sse.status).toBe(200);
  sse.res.pause();
  expect((await rawRequest(`${server.url}${sse.endpoint}`, { method: 'POST', headers: HEADERS, body: JSON.stringify(call) })).status).toBe(202);
  return { res: sse.res, ended: sse.ended };
}

const MCP_HEADERS = { ...HEADERS, accept: 'application/json, text/event-stream' };

/** Streamable HTTP: the call's own POST response carries its logs; the client stops reading it. */
async function stuckHttpCall(server: ServeHandle, call: object): Promise<StuckCall> {
  const initialize = { jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'raw', version: '1' } } };
  const init = await rawRequest(server.mcpUrl, { method: 'POST', headers: MCP_HEADERS, body: JSON.stringify(initialize) });
  expect(init.status).toBe(200);
  const headers = { ...MCP_HEADERS, 'mcp-session-id': String(init.headers['mcp-session-id']), 'mcp-protocol-version': '2025-11-25' };
  return new Promise((resolve, reject) => {
    const req = http.request(server.mcpUrl, { method: 'POST', headers, agent: false }, (res) => {
      expect(res.statusCode).toBe(200);
      res.pause();
      resolve({ res, ended: new Promise((done) => res.once('close', () => done())) });
    });
    req.on('error', reject);
    req.end(JSON.stringify(call));
  });
}

describe.each([
  ['legacy SSE', 'tool workers', stuckSseCall, []],
  ['legacy SSE', '--isolation none', stuckSseCall, ['--isolation', 'none']],
  ['Streamable HTTP', 'tool workers', stuckHttpCall, []],
] as const)('a %s client that stops reading while its handler logs (%s)', (_transport, _isolation, stuckCall, extra) => {
  let server: ServeHandle;
  const release = releaseServer();
  beforeAll(async () => {
    server = await serve(`${dir}/tools`, ['--no-watch', '--write-timeout', '1000', '--max-sessions', String(CLIENTS), ...extra]);
  });
  afterAll(async () => {
    release.releaseAll();
    await release.close();
    // SIGKILL: without the fix an in-process handler spins the server's event loop for good.
    await server?.stop('SIGKILL');
  });

  it('aborts its handlers, fails their logs, closes its sockets, and frees its slot once they settle', async () => {
    const releaseUrl = await release.listen();
    const from = server.output().length;
    const streams: StuckCall[] = [];
    for (let i = 0; i < CLIENTS; i++) {
      const call = { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'chatty', arguments: { tag: `c${i}`, release: releaseUrl } } };
      streams.push(await stuckCall(server, call));
    }

    for (let i = 0; i < CLIENTS; i++) {
      const [, reason] = (await server.waitFor(new RegExp(`chatty c${i} aborted: (.*)`), { from, timeoutMs: 30_000 }))!;
      expect(reason).toMatch(/dropped.*stopped reading/);
      await server.waitFor(new RegExp(`chatty c${i} log rejected: .*dropped`), { from, timeoutMs: 30_000 });
    }
    await release.held(CLIENTS);

    // The server closed each stream while its handler still runs: reading on, the client finds
    // the response cut short (no final chunk), not ended.
    for (const stream of streams) {
      stream.res.resume();
      await stream.ended;
      expect(stream.res.complete).toBe(false);
    }
    // Gone from the count of live sessions, not from --max-sessions while their handlers run.
    const during = await waitForHealth(server.url, (h) => h.sessions.total === 0);
    expect(during.sessions.draining).toBe(CLIENTS);
    const refused = await openRawSse(server.sseUrl);
    expect(refused.status).toBe(503);

    release.releaseAll();
    for (let i = 0; i < CLIENTS; i++) await server.waitFor(new RegExp(`chatty c${i} settled`), { from, timeoutMs: 30_000 });

    // Settled, they free their slots: a new client connects and calls a tool.
    await waitForHealth(server.url, (h) => h.sessions.total === 0 && h.sessions.draining === 0);
    const c = await connect(server.url, 'sse');
    const result = await c.client.callTool({ name: 'hello' });
    expect((result.content as Array<{ text: string }>)[0]!.text).toBe('hello');
    await c.close();

    expect(server.output().slice(from)).not.toMatch(/unhandled rejection|uncaught/i);
    expect(server.output().slice(from).match(/stopped reading; dropped it/g)).toHaveLength(CLIENTS);
  }, 90_000);
});
