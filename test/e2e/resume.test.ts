import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import http from 'node:http';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serve, type ServeHandle } from '../helpers/cli.js';
import { rawRequest } from '../helpers/raw-http.js';
import { waitable } from '../helpers/waitable.js';
import { removeDir, tempDir } from '../helpers/temp.js';

// A Streamable HTTP call outlives its POST's connection: every event carries an id, and a client
// that comes back with `GET` + `Last-Event-ID` gets what it missed and the rest of the call.
const ACCEPT_BOTH = 'application/json, text/event-stream';
const VERSION = '2025-11-25';

let dir: string;
let server: ServeHandle;

beforeAll(async () => {
  dir = await tempDir({
    'tools/steps.ts': `
      import { existsSync } from 'node:fs';
      import { z } from 'zod';
      import { defineTool } from 'mcp-sse';
      export default defineTool({
        description: 'Reports step 1, waits for the file, reports step 2, answers',
        input: { file: z.string() },
        async handler({ file }, ctx) {
          await ctx.progress(1, 2, 'step 1');
          while (!existsSync(file)) await new Promise((r) => setTimeout(r, 20));
          await ctx.progress(2, 2, 'step 2');
          return 'done after ' + file.split('/').pop();
        },
      });`,
    'tools/later.ts': `
      import { writeFileSync } from 'node:fs';
      import { z } from 'zod';
      import { defineTool } from 'mcp-sse';
      export default defineTool({
        description: 'Answers, then logs on its own a moment later (on the GET stream), then writes the marker',
        input: { text: z.string(), marker: z.string() },
        handler: ({ text, marker }, ctx) => {
          setTimeout(async () => { await ctx.log.info(text); writeFileSync(marker, ''); }, 20);
          return 'ok';
        },
      });`,
    'tools/detach.ts': `
      import { defineTool } from 'mcp-sse';
      export default defineTool({
        description: 'Ends its own response, then answers',
        async handler(_args, ctx) {
          const closed = ctx.closeStream();
          await ctx.progress(1, 1, 'after closing');
          return closed ? 'closed, answered later' : 'not closed';
        },
      });`,
  });
  server = await serve(`${dir}/tools`, ['--no-watch', '--resume-window', '10000']);
});

afterAll(async () => {
  await server?.stop();
  await removeDir(dir);
});

async function openSession() {
  const headers = { 'content-type': 'application/json', accept: ACCEPT_BOTH };
  const init = await rawRequest(server.mcpUrl, {
    method: 'POST',
    headers,
    body: JSON.stringify({ jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion: VERSION, capabilities: {}, clientInfo: { name: 'resume', version: '1' } } }),
  });
  const session = { ...headers, 'mcp-session-id': String(init.headers['mcp-session-id']), 'mcp-protocol-version': VERSION };
  await rawRequest(server.mcpUrl, { method: 'POST', headers: session, body: '{"jsonrpc":"2.0","method":"notifications/initialized"}' });
  return session;
}

/** SSE events as they arrive on a response, and a way to wait for one. */
function events(res: http.IncomingMessage) {
  const seen: Array<{ id?: string; data: string }> = [];
  const arrivals = waitable();
  let buffer = '';
  res.setEncoding('utf8');
  res.on('data', (chunk: string) => {
    buffer += chunk;
    let cut;
    while ((cut = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, cut);
      buffer = buffer.slice(cut + 2);
      if (block.startsWith(':')) continue;
      const id = /^id: (.*)$/m.exec(block)?.[1];
      seen.push({ ...(id && { id }), data: /^data: ?(.*)$/m.exec(block)?.[1] ?? '' });
      arrivals.changed();
    }
  });
  const ended = new Promise<void>((resolve) => res.once('end', resolve));
  const until = (test: (all: typeof seen) => boolean) =>
    arrivals.until(() => test(seen) || undefined, 10_000, () => `no such event within 10 s; got: ${JSON.stringify(seen)}`);
  return { seen, until, ended };
}

const request = (options: http.RequestOptions, body?: string) =>
  new Promise<{ req: http.ClientRequest; res: http.IncomingMessage }>((resolve, reject) => {
    const req = http.request(server.mcpUrl, { agent: false, ...options }, (res) => resolve({ req, res }));
    req.on('error', reject);
    req.end(body);
  });

describe('resuming a Streamable HTTP stream', () => {
  it('replays what a client missed after its connection dropped, then streams the rest', async () => {
    const session = await openSession();
    const file = `${dir}/release-raw`;
    const call = JSON.stringify({ jsonrpc: '2.0', id: 7, method: 'tools/call', params: { name: 'steps', arguments: { file }, _meta: { progressToken: 'p' } } });
    const post = await request({ method: 'POST', headers: session }, call);
    const first = events(post.res);
    // A priming event (an id, no data), then step 1.
    await first.until((all) => all.some((e) => e.data.includes('step 1')));
    expect(first.seen[0]).toEqual({ id: expect.stringMatching(/-0$/), data: '' });
    const lastSeen = first.seen.at(-1)!.id!;
    post.req.destroy();

    // The call goes on while nobody listens; what it sends is kept.
    await writeFile(file, '');
    const resumed = await request({ method: 'GET', headers: { ...session, accept: 'text/event-stream', 'last-event-id': lastSeen } });
    expect(resumed.res.statusCode).toBe(200);
    const rest = events(resumed.res);
    await rest.ended;
    const messages = rest.seen.map((e) => JSON.parse(e.data) as { method?: string; params?: { message?: string }; id?: number; result?: { content: unknown } });
    expect(messages.map((m) => m.params?.message ?? m.id)).toEqual(['step 2', 7]);
    expect(messages[1]!.result!.content).toEqual([{ type: 'text', text: 'done after release-raw' }]);
    expect(rest.seen.every((e) => e.id && e.id > lastSeen)).toBe(true);
  });

  it('lets the SDK client resume a POST stream it lost, by itself', async () => {
    let resumes = 0;
    let cut = false;
    const transport = new StreamableHTTPClientTransport(new URL(server.mcpUrl), {
      reconnectionOptions: { initialReconnectionDelay: 50, maxReconnectionDelay: 200, reconnectionDelayGrowFactor: 1.5, maxRetries: 5 },
      fetch: async (url, init) => {
        const headers = new Headers(init?.headers);
        if (init?.method === 'GET' && headers.get('last-event-id')) resumes++;
        const response = await fetch(url, init);
        const body = String(init?.body ?? '');
        if (cut || init?.method !== 'POST' || !body.includes('"tools/call"') || !response.body) return response;
        cut = true;
        // The network drops this call's stream right after its first progress event.
        const reader = response.body.getReader();
        const broken = new ReadableStream<Uint8Array>({
          async pull(controller) {
            const { value, done } = await reader.read();
            if (done) return controller.close();
            controller.enqueue(value);
            if (new TextDecoder().decode(value).includes('step 1')) {
              await reader.cancel();
              controller.error(new Error('connection reset'));
            }
          },
        });
        return new Response(broken, { status: response.status, headers: response.headers });
      },
    });
    const client = new Client({ name: 'resumer', version: '1' });
    client.onerror = () => undefined; // the reported disconnect
    await client.connect(transport);
    const file = `${dir}/release-sdk`;
    const progress: string[] = [];
    const result = client.callTool({ name: 'steps', arguments: { file } }, undefined, {
      onprogress: (p) => {
        progress.push(String(p.message));
        if (p.message === 'step 1') void writeFile(file, '');
      },
      timeout: 20_000,
    });
    expect((await result).content).toEqual([{ type: 'text', text: 'done after release-sdk' }]);
    expect(existsSync(file)).toBe(true);
    expect(progress).toEqual(['step 1', 'step 2']);
    expect(resumes).toBe(1);
    await client.close();
  });

  it('ctx.closeStream() ends the response mid-call; the SDK client resumes by itself; legacy SSE keeps its stream', async () => {
    let resumes = 0;
    const transport = new StreamableHTTPClientTransport(new URL(server.mcpUrl), {
      reconnectionOptions: { initialReconnectionDelay: 50, maxReconnectionDelay: 200, reconnectionDelayGrowFactor: 1.5, maxRetries: 5 },
      fetch: async (url, init) => {
        if (init?.method === 'GET' && new Headers(init.headers).get('last-event-id')) resumes++;
        return fetch(url, init);
      },
    });
    const client = new Client({ name: 'detached', version: '1' });
    await client.connect(transport);
    const progress: string[] = [];
    const result = await client.callTool({ name: 'detach', arguments: {} }, undefined, { onprogress: (p) => void progress.push(String(p.message)) });
    expect(result.content).toEqual([{ type: 'text', text: 'closed, answered later' }]);
    expect(progress).toEqual(['after closing']);
    expect(resumes).toBe(1);
    await client.close();

    const sse = new Client({ name: 'legacy', version: '1' });
    await sse.connect(new SSEClientTransport(new URL(server.sseUrl)));
    expect((await sse.callTool({ name: 'detach', arguments: {} })).content).toEqual([{ type: 'text', text: 'not closed' }]);
    await sse.close();
  });

  it('keeps what the server sends on its own while the GET stream is gone, for a GET that resumes it', async () => {
    const session = await openSession();
    const getHeaders = { ...session, accept: 'text/event-stream' };
    /** Resolves once the log has been sent, wherever it went. */
    const logLater = async (text: string) => {
      const marker = `${dir}/logged-${text.replace(/ /g, '-')}`;
      const body = JSON.stringify({ jsonrpc: '2.0', id: text, method: 'tools/call', params: { name: 'later', arguments: { text, marker } } });
      await rawRequest(server.mcpUrl, { method: 'POST', headers: session, body });
      await expect.poll(() => existsSync(marker), { interval: 10 }).toBe(true);
    };
    const first = await request({ method: 'GET', headers: getHeaders });
    const live = events(first.res);
    await logLater('while connected');
    await live.until((all) => all.some((e) => e.data.includes('while connected')));
    const lastSeen = live.seen.at(-1)!.id!;
    first.req.destroy();
    // A round trip after the drop: the server has seen the GET go by the time the log is due.
    await rawRequest(server.mcpUrl, { method: 'POST', headers: session, body: '{"jsonrpc":"2.0","id":"p","method":"ping"}' });
    await logLater('while gone');
    const resumed = await request({ method: 'GET', headers: { ...getHeaders, 'last-event-id': lastSeen } });
    const rest = events(resumed.res);
    await rest.until((all) => all.some((e) => e.data.includes('while gone')));
    expect(rest.seen.filter((e) => e.data.includes('while connected'))).toEqual([]);
    resumed.req.destroy();
  });

  it('answers 400 for an id it has nothing after, and 409 while the stream is still connected', async () => {
    const session = await openSession();
    const unknown = await rawRequest(server.mcpUrl, { headers: { ...session, accept: 'text/event-stream', 'last-event-id': 'nosuch-3' } });
    expect(unknown.status).toBe(400);
    expect(JSON.parse(unknown.body).error.message).toMatch(/^Bad Request: nothing to resume after event nosuch-3/);
    const file = `${dir}/release-409`;
    const post = await request({ method: 'POST', headers: session }, JSON.stringify({ jsonrpc: '2.0', id: 9, method: 'tools/call', params: { name: 'steps', arguments: { file } } }));
    const live = events(post.res);
    await live.until((all) => all.length > 0);
    const busy = await rawRequest(server.mcpUrl, { headers: { ...session, accept: 'text/event-stream', 'last-event-id': live.seen[0]!.id! } });
    expect(busy.status).toBe(409);
    await writeFile(file, '');
    await live.ended;
  });
});
