import http from 'node:http';
import { Redis } from 'ioredis';
import type { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runToEnd, serve, type ServeHandle } from '../helpers/cli.js';
import { connect, TRANSPORTS } from '../helpers/clients.js';
import { connectModern } from '../helpers/modern-client.js';
import { openRawSse, rawRequest, rpcAnswer, type RawSse } from '../helpers/raw-http.js';
import { freePort, startRedis, type RedisHandle } from '../helpers/redis.js';
import { removeDir, tempDir } from '../helpers/temp.js';

let dir: string;
let server: ServeHandle;

beforeAll(async () => {
  dir = await tempDir({
    'tools/pid.ts': `
      import { z } from 'zod';
      import { defineTool } from 'mcp-sse';
      export default defineTool({ input: { n: z.number() }, handler: ({ n }) => ({ n, pid: process.pid }) });`,
    'tools/worker.ts': `
      import { defineTool } from 'mcp-sse';
      export default defineTool({ description: 'which worker runs the call', handler: () => ({ worker: Number(process.env.MCP_SSE_WORKER_ID) }) });`,
    'tools/ask.ts': `
      import { z } from 'zod';
      import { defineTool } from 'mcp-sse';
      export default defineTool({
        input: { n: z.number() },
        async handler({ n }, ctx) {
          const started = process.pid;
          const answer = await ctx.sample({ messages: [{ role: 'user', content: { type: 'text', text: String(n) } }], maxTokens: 5 });
          return { n, said: (answer.content as { text: string }).text, pids: [started, process.pid] };
        },
      });`,
  });
  server = await serve(`${dir}/tools`, ['--workers', '2']);
  // The banner comes from worker 1; wait until worker 2 takes connections too.
  const seen = new Set<number>();
  while (seen.size < 2) seen.add(await healthzWorker(new http.Agent()));
});

afterAll(async () => {
  await server?.stop();
  await removeDir(dir);
});

/** The worker that answers GET /healthz over `agent`'s connection. */
async function healthzWorker(agent: http.Agent, base = server.url): Promise<number> {
  const res = await rawRequest(`${base}/healthz`, { agent });
  return (JSON.parse(res.body) as { worker: number }).worker;
}

/** One connection that every request through it shares. */
const pinnedConnection = () => new http.Agent({ keepAlive: true, maxSockets: 1 });

const JSON_HEADERS = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };

/** A JSON-RPC message POSTed over `agent`. */
function postRpc(url: string, agent: http.Agent, message: unknown, headers: Record<string, string> = {}) {
  return rawRequest(url, { method: 'POST', agent, headers: { ...JSON_HEADERS, ...headers }, body: JSON.stringify(message) });
}

/** Calls `method` on a legacy-SSE session through `agent` and waits for the answer on the stream. */
async function sseCall(stream: RawSse, agent: http.Agent, id: number, method: string, params?: unknown, base = server.url) {
  const res = await postRpc(`${base}${stream.endpoint}`, agent, { jsonrpc: '2.0', id, method, params });
  expect(res.status).toBe(202);
  await stream.waitFor(new RegExp(`"id":${id},`));
  const line = stream.text().split('\n').find((l) => l.startsWith('data: ') && l.includes(`"id":${id},`))!;
  return JSON.parse(line.slice(6)) as { result: { structuredContent?: unknown; content?: unknown } };
}

/** The `worker` tool's answer: which worker ran the call. */
function workerOf(result: object): number {
  const { structuredContent, content } = result as { structuredContent?: unknown; content?: Array<{ text: string }> };
  const body = structuredContent ?? JSON.parse(content![0]!.text);
  return (body as { worker: number }).worker;
}

/** A legacy-SSE session opened with plain HTTP, and the worker that holds it. */
async function sseSessionWithHolder(base = server.url) {
  const agent = new http.Agent();
  const stream = await openRawSse(`${base}/sse`);
  const params = { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } };
  await sseCall(stream, agent, 1, 'initialize', params, base);
  await postRpc(`${base}${stream.endpoint}`, agent, { jsonrpc: '2.0', method: 'notifications/initialized' });
  const answer = await sseCall(stream, agent, 2, 'tools/call', { name: 'worker', arguments: {} }, base);
  return { stream, holder: workerOf(answer.result) };
}

/** Opens 4 sessions (both workers hold some), then asserts that fresh connections for each reach its holder. */
async function expectFreshConnectionsReachHolders(base: string) {
  const sessions = await Promise.all(Array.from({ length: 4 }, () => sseSessionWithHolder(base)));
  expect(new Set(sessions.map((s) => s.holder)).size).toBe(2);
  for (const { stream, holder } of sessions) {
    for (let k = 0; k < 5; k++) {
      // A new connection whose first request is for this session; /healthz then says who took it.
      const agent = pinnedConnection();
      const answer = await sseCall(stream, agent, 100 + k, 'ping', undefined, base);
      expect(answer.result).toEqual({});
      expect(await healthzWorker(agent, base)).toBe(holder);
      agent.destroy();
    }
    stream.destroy();
  }
}

describe('serve --workers 2 (node:cluster, no Redis)', () => {
  it('reports which worker answered in /healthz', async () => {
    const workers = new Set<number>();
    for (let i = 0; i < 20 && workers.size < 2; i++) {
      // A new connection each time, so the cluster's round robin spreads them.
      const res = await fetch(`${server.url}/healthz`, { headers: { connection: 'close' } });
      workers.add(((await res.json()) as { worker: number }).worker);
    }
    expect([...workers].sort()).toEqual([1, 2]);
  });

  it.each(TRANSPORTS)('answers every call of 20 sessions over %s, wherever their requests land', async (transport) => {
    const clients = await Promise.all(Array.from({ length: 20 }, () => connect(server.url, transport)));
    const pids = new Set<number>();
    await Promise.all(
      clients.map(async (c, i) => {
        for (let n = 0; n < 10; n++) {
          const result = await c.client.callTool({ name: 'pid', arguments: { n: i * 100 + n } });
          const body = result.structuredContent ?? JSON.parse((result.content as Array<{ text: string }>)[0]!.text);
          expect(body.n).toBe(i * 100 + n);
          pids.add(body.pid);
        }
      }),
    );
    expect(pids.size).toBe(2); // both workers held sessions
    await Promise.all(clients.map((c) => c.close()));
  });

  it('continues 2026-07-28 calls that asked for input on whichever worker the retry reaches', async () => {
    // A new connection per request, so the cluster's round robin spreads the retries.
    const spread = (url: string | URL, init?: RequestInit) => {
      const headers = new Headers(init?.headers);
      headers.set('connection', 'close');
      return fetch(url, { ...init, headers });
    };
    const modern = await connectModern(server.url, 'pin', { capabilities: { sampling: {} }, fetch: spread });
    try {
      modern.client.setRequestHandler('sampling/createMessage', async (request) => ({
        role: 'assistant',
        content: { type: 'text', text: `echo ${(request.params.messages[0]!.content as { text: string }).text}` },
        model: 'm',
      }));
      for (let n = 0; n < 8; n++) {
        const result = await modern.client.callTool({ name: 'ask', arguments: { n } });
        const body = result.structuredContent ?? JSON.parse((result.content as Array<{ text: string }>)[0]!.text);
        expect(body.said).toBe(`echo ${n}`);
        // The call resumed in the process that started it.
        expect(body.pids[0]).toBe(body.pids[1]);
      }
    } finally {
      await modern.close();
    }
  });

  it('relays POSTs that land on the other worker to the stream holder', async () => {
    const stream = await fetch(server.sseUrl);
    const reader = stream.body!.getReader();
    let text = '';
    const readUntil = async (pattern: RegExp) => {
      while (!pattern.test(text)) text += new TextDecoder().decode((await reader.read()).value);
    };
    await readUntil(/data: (\S+)/);
    const endpoint = /data: (\S+)/.exec(text)![1]!;
    const statuses: number[] = [];
    for (let i = 1; i <= 10; i++) {
      // A fresh connection for each POST: the cluster spreads them over both workers.
      const res = await fetch(`${server.url}${endpoint}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', connection: 'close' },
        body: JSON.stringify({ jsonrpc: '2.0', id: i, method: 'ping' }),
      });
      statuses.push(res.status);
    }
    expect(statuses).toEqual(Array(10).fill(202));
    await readUntil(/"id":10,/);
    for (let i = 1; i <= 10; i++) expect(text).toContain(`"id":${i},"result":{}`);
    await reader.cancel();
  });

  it('hands a fresh legacy-SSE connection to the worker that holds its session', async () => {
    await expectFreshConnectionsReachHolders(server.url);
  });

  it('hands a fresh Streamable HTTP connection to the worker that holds its session', async () => {
    const clients = await Promise.all(Array.from({ length: 4 }, () => connect(server.url, 'http')));
    const holders = new Set<number>();
    for (const c of clients) {
      const called = await c.client.callTool({ name: 'worker', arguments: {} });
      const holder = workerOf(called);
      holders.add(holder);
      const transport = c.client.transport as StreamableHTTPClientTransport;
      const headers = { 'mcp-session-id': transport.sessionId!, 'mcp-protocol-version': transport.protocolVersion ?? '2025-06-18' };
      for (let k = 0; k < 5; k++) {
        const agent = pinnedConnection();
        const res = await postRpc(`${server.url}/mcp`, agent, { jsonrpc: '2.0', id: 100 + k, method: 'ping' }, headers);
        expect(res.status).toBe(200);
        expect(rpcAnswer(res)).toMatchObject({ id: 100 + k, result: {} });
        expect(await healthzWorker(agent)).toBe(holder);
        agent.destroy();
      }
    }
    expect(holders.size).toBe(2);
    await Promise.all(clients.map((c) => c.close()));
  });

  it('relays a request that arrives on a connection held by the other worker', async () => {
    const sessions = [await sseSessionWithHolder()];
    while (sessions.length < 2) {
      const next = await sseSessionWithHolder();
      if (next.holder !== sessions[0]!.holder) sessions.push(next);
      else next.stream.destroy();
    }
    const [first, second] = sessions as [Awaited<ReturnType<typeof sseSessionWithHolder>>, Awaited<ReturnType<typeof sseSessionWithHolder>>];
    const agent = pinnedConnection();
    expect((await sseCall(first.stream, agent, 200, 'ping')).result).toEqual({}); // pins the connection to first.holder
    const relayed = await sseCall(second.stream, agent, 201, 'tools/call', { name: 'worker', arguments: {} });
    expect(workerOf(relayed.result)).toBe(second.holder);
    expect(await healthzWorker(agent)).toBe(first.holder); // same connection, still the first worker's
    agent.destroy();
    first.stream.destroy();
    second.stream.destroy();
  });

  it('exits 1 with the usual message when the port is taken', async () => {
    const { code, output } = await runToEnd(['serve', `${dir}/tools`, '--workers', '2', '--port', String(server.port)]);
    expect(code).toBe(1);
    expect(output).toContain(`port ${server.port} is in use`);
  });

  it('stops all workers on SIGTERM and exits 0', async () => {
    const other = await serve(`${dir}/tools`, ['--workers', '2']);
    const { code } = await other.stop('SIGTERM');
    expect(code).toBe(0);
  });
});

describe('serve --workers 2 --redis', () => {
  let redis: RedisHandle;
  let routed: ServeHandle;
  let other: ServeHandle;
  let routedPort: number;

  const untilBothWorkers = async (base: string) => {
    const seen = new Set<number>();
    while (seen.size < 2) seen.add(await healthzWorker(new http.Agent(), base));
  };

  beforeAll(async () => {
    redis = await startRedis();
    routedPort = await freePort();
    // Two "machines" on one Redis, each with two workers; the first names the address others
    // reach it by (its path is never used: a relay keeps the client's own path).
    [routed, other] = await Promise.all([
      serve(`${dir}/tools`, ['--workers', '2', '--redis', redis.url, '--port', String(routedPort), '--relay-url', `http://127.0.0.1:${routedPort}/announced`]),
      serve(`${dir}/tools`, ['--workers', '2', '--redis', redis.url]),
    ]);
    await Promise.all([untilBothWorkers(routed.url), untilBothWorkers(other.url)]);
  });

  afterAll(async () => {
    await Promise.all([routed?.stop(), other?.stop()]);
    await redis?.stop();
  });

  it('tells the primary where sessions live, so fresh connections reach their holder too', async () => {
    await expectFreshConnectionsReachHolders(routed.url);
  });

  it('announces its public address or --relay-url in Redis, never a worker\'s private port', async () => {
    const commands = new Redis(redis.url);
    try {
      const keys = await commands.keys('mcp-sse:instance:*');
      const urls = (await commands.mget(...keys)).sort();
      expect(urls).toHaveLength(4);
      expect(urls.filter((u) => u === `http://127.0.0.1:${routedPort}/announced`)).toHaveLength(2);
      expect(urls.filter((u) => u === `http://127.0.0.1:${other.port}`)).toHaveLength(2);
    } finally {
      commands.disconnect();
    }
  });

  it("continues both workers' Streamable HTTP sessions through another machine's workers", async () => {
    const sessions: Array<{ headers: Record<string, string>; holder: number }> = [];
    const holders = new Set<number>();
    for (let k = 0; k < 20 && (holders.size < 2 || sessions.length < 4); k++) {
      const agent = new http.Agent();
      const params = { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } };
      const init = await postRpc(routed.mcpUrl, agent, { jsonrpc: '2.0', id: 1, method: 'initialize', params });
      const headers = { 'mcp-session-id': String(init.headers['mcp-session-id']), 'mcp-protocol-version': '2025-06-18' };
      await postRpc(routed.mcpUrl, agent, { jsonrpc: '2.0', method: 'notifications/initialized' }, headers);
      const answer = rpcAnswer(await postRpc(routed.mcpUrl, agent, { jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'worker', arguments: {} } }, headers));
      const holder = workerOf(answer.result as object);
      holders.add(holder);
      sessions.push({ headers, holder });
      agent.destroy();
    }
    expect(holders.size).toBe(2);
    // Interleaved, over one keep-alive connection to the other machine: its workers relay each
    // call to this machine's primary, which must get every one to the worker holding the session.
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    for (let round = 0; round < 3; round++) {
      for (const [k, { headers, holder }] of sessions.entries()) {
        const id = 100 + round * 100 + k;
        const res = await postRpc(other.mcpUrl, agent, { jsonrpc: '2.0', id, method: 'tools/call', params: { name: 'worker', arguments: {} } }, headers);
        expect(res.status).toBe(200);
        const answer = rpcAnswer(res);
        expect(answer.id).toBe(id);
        expect(workerOf(answer.result as object)).toBe(holder);
      }
    }
    agent.destroy();
  });
});
