import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serve, type ServeHandle } from '../helpers/cli.js';
import { connect } from '../helpers/clients.js';
import { health, waitForHealth } from '../helpers/health.js';
import { openRawSse, rawRequest } from '../helpers/raw-http.js';
import { waitable } from '../helpers/waitable.js';
import { removeDir, tempDir } from '../helpers/temp.js';

/** 5 files of 100 tools each: 2,000 tools/list answers are some 100 MB, far past the 8 MB cap. */
function manyTools(): Record<string, string> {
  const files: Record<string, string> = {
    'tools/big.ts': `
      import { z } from 'zod';
      import { defineTool } from 'mcp-sse';
      export default defineTool({ description: 'A large result', input: { bytes: z.number() }, handler: ({ bytes }) => 'x'.repeat(bytes) });`,
  };
  for (let f = 0; f < 5; f++) {
    const lines = ["import { defineTool } from 'mcp-sse';"];
    for (let t = 0; t < 100; t++) lines.push(`export const t${f}_${t} = defineTool({ description: 'tool ${f}-${t}', handler: () => 'ok' });`);
    files[`tools/many${f}.ts`] = lines.join('\n');
  }
  return files;
}

/** A legacy SSE stream that reads everything but keeps only a count of the answers per id. */
function countingSse(url: string): Promise<{ endpoint: string; answered: () => number; seen: ReturnType<typeof waitable>; close: () => void }> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { headers: { accept: 'text/event-stream' }, agent: false }, (res) => {
      let pending = '';
      let answered = 0;
      let endpoint: string | undefined;
      const seen = waitable();
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        pending += chunk;
        // Whole events are looked at and let go: only the unfinished one is kept.
        let end: number;
        while ((end = pending.indexOf('\n\n')) >= 0) {
          const event = pending.slice(0, end);
          pending = pending.slice(end + 2);
          if (event.startsWith('event: endpoint\n')) {
            endpoint = event.slice('event: endpoint\ndata: '.length);
            resolve({ endpoint, answered: () => answered, seen, close: () => req.destroy() });
          } else if (event.startsWith('event: message\n')) answered++;
        }
        seen.changed();
      });
    });
    req.on('error', reject);
  });
}

const HEADERS = { 'content-type': 'application/json' };

let dir: string;
let server: ServeHandle;
beforeAll(async () => {
  dir = await tempDir(manyTools());
  server = await serve(`${dir}/tools`, ['--no-watch', '--write-timeout', '1500']);
});
afterAll(async () => {
  await server?.stop();
  await removeDir(dir);
});

describe('legacy SSE slow-consumer check', () => {
  it('delivers two 9 MB results sent at once to a client that reads', async () => {
    const c = await connect(server.url, 'sse');
    const from = server.output().length;
    const results = await Promise.all([1, 2].map(() => c.client.callTool({ name: 'big', arguments: { bytes: 9_000_000 } })));
    for (const r of results) expect((r.content as Array<{ text: string }>)[0]!.text.length).toBe(9_000_000);
    expect(server.output().slice(from)).not.toMatch(/stopped reading/);
    await c.close();
  }, 60_000);

  it('answers a 100 KB POST of 2,000 tools/list requests (500 tools) to a reading client, without dropping it', async () => {
    expect((await health(server.url)).tools).toBe(501);
    const sse = await countingSse(server.sseUrl);
    const from = server.output().length;
    const batch = Array.from({ length: 2000 }, (_, i) => ({ jsonrpc: '2.0', id: i + 1, method: 'tools/list' }));
    const init = { jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion: '2024-11-05', capabilities: {}, clientInfo: { name: 'raw', version: '1' } } };
    const url = `${server.url}${sse.endpoint}`;
    expect((await rawRequest(url, { method: 'POST', headers: HEADERS, body: JSON.stringify(init) })).status).toBe(202);
    await sse.seen.until(() => sse.answered() >= 1 || undefined, 10_000, () => 'no initialize answer');
    const body = JSON.stringify(batch);
    expect(body.length).toBeGreaterThan(50_000);
    expect((await rawRequest(url, { method: 'POST', headers: HEADERS, body })).status).toBe(202);
    await sse.seen.until(() => sse.answered() >= 2001 || undefined, 90_000, () => `only ${sse.answered()} answers; output:\n${server.output().slice(from, from + 2000)}`);
    expect(server.output().slice(from)).not.toMatch(/stopped reading/);
    sse.close();
  }, 120_000);

  it('drops a client that stops reading, once, with one log line', async () => {
    const sse = await openRawSse(server.sseUrl);
    sse.res.pause();
    const from = server.output().length;
    const url = `${server.url}${sse.endpoint}`;
    for (let i = 1; i <= 20; i++) {
      const res = await rawRequest(url, { method: 'POST', headers: HEADERS, body: JSON.stringify({ jsonrpc: '2.0', id: i, method: 'tools/call', params: { name: 'big', arguments: { bytes: 2_000_000 } } }) });
      if (res.status === 404) break;
      expect(res.status).toBe(202);
    }
    await server.waitFor(/stopped reading; dropped it/, { from });
    await waitForHealth(server.url, (h) => h.sessions.sse === 0);
    expect(server.output().slice(from).match(/stopped reading/g)).toHaveLength(1);
    sse.destroy();
  }, 60_000);
});
