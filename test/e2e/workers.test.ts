import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runToEnd, serve, type ServeHandle } from '../helpers/cli.js';
import { connect, TRANSPORTS } from '../helpers/clients.js';
import { connectModern } from '../helpers/modern-client.js';
import { removeDir, tempDir } from '../helpers/temp.js';

let dir: string;
let server: ServeHandle;

beforeAll(async () => {
  dir = await tempDir({
    'tools/pid.ts': `
      import { z } from 'zod';
      import { defineTool } from 'mcp-sse';
      export default defineTool({ input: { n: z.number() }, handler: ({ n }) => ({ n, pid: process.pid }) });`,
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
});

afterAll(async () => {
  await server?.stop();
  await removeDir(dir);
});

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
