import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { CreateMessageRequestSchema, type Notification } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runToEnd, serve, type ServeHandle } from '../helpers/cli.js';
import { connect } from '../helpers/clients.js';
import { connectModern } from '../helpers/modern-client.js';
import { startRedis, type RedisHandle } from '../helpers/redis.js';
import { removeDir, tempDir } from '../helpers/temp.js';

let redis: RedisHandle;
let dir: string;
let a: ServeHandle;
let b: ServeHandle;

const TOOLS = {
  'tools/slow.ts': `
    import { z } from 'zod';
    import { defineTool } from 'mcp-sse';
    export default defineTool({
      input: { steps: z.number() },
      async handler({ steps }, ctx) {
        for (let i = 1; i <= steps; i++) {
          await new Promise((r) => setTimeout(r, 5));
          await ctx.progress(i, steps);
        }
        return 'done ' + process.env.MCP_SSE_TEST_INSTANCE;
      },
    });`,
  'tools/ask.ts': `
    import { defineTool } from 'mcp-sse';
    export default defineTool({
      async handler(_args, ctx) {
        const answer = await ctx.sample({ messages: [{ role: 'user', content: { type: 'text', text: 'hi?' } }], maxTokens: 10 });
        return 'model said: ' + answer.content.text;
      },
    });`,
  'tools/touch.ts': `
    import { defineTool } from 'mcp-sse';
    export default defineTool({ handler: (_args, ctx) => { ctx.notifyResourceUpdated('note://1'); return 'touched'; } });`,
  'tools/note.ts': `
    import { defineResource } from 'mcp-sse';
    export default defineResource({ uri: 'note://1', name: 'note', read: () => 'a note' });`,
};

/** Sends the first request to `first` and every later one to `rest`: a load balancer with no stickiness. */
function splitFetch(first: string, rest: string) {
  let calls = 0;
  return (url: string | URL, init?: RequestInit) => {
    const target = calls++ === 0 ? String(url) : String(url).replace(first, rest);
    return fetch(target, init);
  };
}

beforeAll(async () => {
  redis = await startRedis();
  dir = await tempDir(TOOLS);
  // Which instance ran a call, as tool code sees it (its process may be a tool worker).
  [a, b] = await Promise.all([
    serve(`${dir}/tools`, ['--redis', redis.url], { env: { MCP_SSE_TEST_INSTANCE: 'a' } }),
    serve(`${dir}/tools`, ['--redis', redis.url], { env: { MCP_SSE_TEST_INSTANCE: 'b' } }),
  ]);
});

afterAll(async () => {
  await Promise.all([a?.stop(), b?.stop()]);
  await redis?.stop();
  await removeDir(dir);
});

describe('scale-out through Redis', () => {
  it('refuses to start when Redis is down, in one clear line', async () => {
    const { code, output } = await runToEnd(['serve', `${dir}/tools`, '--port', '0', '--redis', 'redis://127.0.0.1:1']);
    expect(code).toBe(1);
    expect(output).toMatch(/cannot reach Redis at redis:\/\/127\.0\.0\.1:1/);
  });

  // Retried: an SDK client drops a progress event that reaches it in the same read as the result;
  // the server spaces them (PROGRESS_TO_RESULT_GAP_MS), but a client stalled longer by a busy machine still merges them.
  it('serves an SSE session whose stream is on A and whose POSTs land on B: list, call, progress, cancel', { retry: 2 }, async () => {
    const transport = new SSEClientTransport(new URL(a.sseUrl), {
      // The stream (GET) stays on A; every POST goes to B.
      fetch: (url, init) => fetch(init?.method === 'POST' ? String(url).replace(a.url, b.url) : url, init),
    });
    const client = new Client({ name: 'split-sse', version: '1' });
    await client.connect(transport);
    expect((await client.listTools()).tools.map((t) => t.name).sort()).toEqual(['ask', 'slow', 'touch']);
    const progress: number[] = [];
    const result = await client.callTool({ name: 'slow', arguments: { steps: 3 } }, undefined, { onprogress: (p) => progress.push(p.progress) });
    expect(progress).toEqual([1, 2, 3]);
    expect(result.content).toEqual([{ type: 'text', text: 'done a' }]); // ran where the stream is
    const controller = new AbortController();
    const cancelled = client.callTool({ name: 'slow', arguments: { steps: 400 } }, undefined, { signal: controller.signal });
    controller.abort('enough');
    await expect(cancelled).rejects.toThrow();
    await client.close();
  });

  // Retried: an SDK client drops a progress event that reaches it in the same read as the result;
  // the server spaces them (PROGRESS_TO_RESULT_GAP_MS), but a client stalled longer by a busy machine still merges them.
  it('continues a Streamable HTTP session initialized on A on B, including a sampling round trip', { retry: 2 }, async () => {
    const transport = new StreamableHTTPClientTransport(new URL(a.mcpUrl), { fetch: splitFetch(a.url, b.url) });
    const client = new Client({ name: 'split-http', version: '1' }, { capabilities: { sampling: {} } });
    client.setRequestHandler(CreateMessageRequestSchema, async () => ({
      role: 'assistant',
      model: 'test',
      content: { type: 'text', text: 'hello from the client' },
    }));
    await client.connect(transport);
    const progress: number[] = [];
    const slow = await client.callTool({ name: 'slow', arguments: { steps: 2 } }, undefined, { onprogress: (p) => progress.push(p.progress) });
    expect(slow.content).toEqual([{ type: 'text', text: 'done a' }]);
    expect(progress).toEqual([1, 2]);
    const asked = await client.callTool({ name: 'ask' });
    expect(asked.content).toEqual([{ type: 'text', text: 'model said: hello from the client' }]);
    await client.close();
  });

  it('delivers a resource update made on B to a subscriber on A', async () => {
    const subscriber = await connect(a.url, 'sse');
    await subscriber.client.subscribeResource({ uri: 'note://1' });
    const caller = await connect(b.url, 'http');
    await caller.client.callTool({ name: 'touch' });
    const update = (await subscriber.nextNotification('notifications/resources/updated')) as Notification & { params: { uri: string } };
    expect(update.params.uri).toBe('note://1');
    await Promise.all([subscriber.close(), caller.close()]);
  });

  it('relays under a base path on the express route too (--cors)', async () => {
    const args = ['--redis', redis.url, '--base-path', '/t', '--cors'];
    const [pa, pb] = await Promise.all([serve(`${dir}/tools`, args, { env: { MCP_SSE_TEST_INSTANCE: 'pa' } }), serve(`${dir}/tools`, args, { env: { MCP_SSE_TEST_INSTANCE: 'pb' } })]);
    try {
      expect(pa.url).toMatch(/\/t$/);
      const transport = new StreamableHTTPClientTransport(new URL(pa.mcpUrl), { fetch: splitFetch(pa.url, pb.url) });
      const client = new Client({ name: 'split-prefixed', version: '1' });
      await client.connect(transport);
      const result = await client.callTool({ name: 'slow', arguments: { steps: 1 } });
      expect(result.content).toEqual([{ type: 'text', text: 'done pa' }]);
      await client.close();
    } finally {
      await Promise.all([pa.stop(), pb.stop()]);
    }
  });

  it('reports the instance in /healthz', async () => {
    const [ha, hb] = await Promise.all([a, b].map(async (s) => (await fetch(`${s.url}/healthz`)).json() as Promise<{ instance: string; redis: string }>));
    expect(ha.instance).toMatch(/^[0-9a-f-]{36}$/);
    expect(ha.instance).not.toBe(hb.instance);
    expect(ha.redis).toBe('up');
  });

  it('keeps local sessions working while Redis restarts, answers 503 across instances meanwhile, and recovers', async () => {
    const local = await connect(a.url, 'http');
    const sse = await connect(a.url, 'sse');
    const endpoint = await (async () => {
      // An SSE session on A, reached through B by raw POSTs.
      const res = await fetch(a.sseUrl);
      const reader = res.body!.getReader();
      let text = '';
      while (!/data: (\S+)/.test(text)) text += new TextDecoder().decode((await reader.read()).value);
      return { path: /data: (\S+)/.exec(text)![1]!, close: () => reader.cancel() };
    })();
    const ping = (base: string) =>
      fetch(`${base}${endpoint.path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' }) });
    expect((await ping(b.url)).status).toBe(202);

    const port = redis.port;
    await redis.stop();
    expect((await local.client.callTool({ name: 'touch' })).content).toEqual([{ type: 'text', text: 'touched' }]);
    expect((await ping(b.url)).status).toBe(503);

    redis = await startRedis(port);
    // ioredis reconnects with backoff; each instance re-registers its sessions when it is back.
    let status = 0;
    for (let i = 0; i < 100 && status !== 202; i++) {
      status = (await ping(b.url)).status;
      if (status !== 202) await new Promise((r) => setTimeout(r, 100));
    }
    expect(status).toBe(202);
    await endpoint.close();
    await Promise.all([local.close(), sse.close()]);
  });

  it('relays a 2026-07-28 retry with input to the instance holding the call, and delivers updates to listen streams everywhere', async () => {
    // Retries (they carry requestState) go to b, everything else to a.
    const byRetry = (url: string | URL, init?: RequestInit) =>
      fetch(typeof init?.body === 'string' && init.body.includes('"requestState"') ? String(url).replace(a.url, b.url) : url, init);
    const modern = await connectModern(a.url, 'pin', { capabilities: { sampling: {} }, fetch: byRetry });
    const listener = await connectModern(b.url, 'pin');
    try {
      let asked = 0;
      modern.client.setRequestHandler('sampling/createMessage', async () => {
        asked++;
        return { role: 'assistant', content: { type: 'text', text: 'relayed' }, model: 'm' };
      });
      const result = await modern.client.callTool({ name: 'ask', arguments: {} });
      expect(result.content).toEqual([{ type: 'text', text: 'model said: relayed' }]);
      expect(asked).toBe(1);

      await listener.listen({ resourceSubscriptions: ['note://1'] });
      await modern.client.callTool({ name: 'touch', arguments: {} });
      expect((await listener.nextNotification('notifications/resources/updated')).params).toMatchObject({ uri: 'note://1' });
    } finally {
      await Promise.all([modern.close(), listener.close()]);
    }
  });

  it('answers 404 for the sessions of an instance that died, so clients re-initialize', async () => {
    const httpOnA = new StreamableHTTPClientTransport(new URL(a.mcpUrl));
    const client = new Client({ name: 'doomed', version: '1' });
    await client.connect(httpOnA);
    const sessionId = httpOnA.sessionId!;
    await a.stop('SIGKILL');
    const res = await fetch(b.mcpUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-session-id': sessionId, 'mcp-protocol-version': '2025-11-25' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 5, method: 'tools/list' }),
    });
    expect(res.status).toBe(404);
    const fresh = await connect(b.url, 'http');
    expect((await fresh.client.listTools()).tools.length).toBe(3);
    await fresh.close();
  });
});
