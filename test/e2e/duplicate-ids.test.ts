import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serve, type ServeHandle } from '../helpers/cli.js';
import { openRawSse, rawRequest } from '../helpers/raw-http.js';
import { removeDir, tempDir } from '../helpers/temp.js';

const TOOLS = {
  'tools/slow.ts': `
    import { z } from 'zod';
    import { defineTool } from 'mcp-sse';
    export default defineTool({ description: 'Slow', input: { ms: z.number() }, handler: ({ ms }) => new Promise((r) => setTimeout(() => r('slept ' + ms), ms)) });`,
};
const JSON_HEADERS = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
const INIT = { jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } } };
const slow = (id: number, ms: number) => ({ jsonrpc: '2.0', id, method: 'tools/call', params: { name: 'slow', arguments: { ms } } });

/** Every JSON-RPC message in an SSE response body. */
const answers = (body: string) => [...body.matchAll(/^data: (.+)$/gm)].map((m) => JSON.parse(m[1]!));

let dir: string;
let server: ServeHandle;
beforeAll(async () => {
  dir = await tempDir(TOOLS);
  server = await serve(`${dir}/tools`, ['--no-watch']);
});
afterAll(async () => {
  await server?.stop();
  await removeDir(dir);
});

async function session(): Promise<Record<string, string>> {
  const init = await rawRequest(server.mcpUrl, { method: 'POST', headers: JSON_HEADERS, body: JSON.stringify(INIT) });
  const headers = { ...JSON_HEADERS, 'mcp-session-id': init.headers['mcp-session-id'] as string, 'mcp-protocol-version': '2025-06-18' };
  await rawRequest(server.mcpUrl, { method: 'POST', headers, body: '{"jsonrpc":"2.0","method":"notifications/initialized"}' });
  return headers;
}

describe('duplicate in-flight request ids', () => {
  it('on /mcp: a second request with an id in flight is refused; the first is answered', async () => {
    const headers = await session();
    const first = rawRequest(server.mcpUrl, { method: 'POST', headers, body: JSON.stringify(slow(7, 800)) });
    await new Promise((r) => setTimeout(r, 200)); // the first is in flight (no event says so on the wire)
    const second = await rawRequest(server.mcpUrl, { method: 'POST', headers, body: JSON.stringify(slow(7, 10)) });
    const [refusal] = answers(second.body);
    expect(refusal).toMatchObject({ id: 7, error: { code: -32600 } });
    expect(refusal.error.message).toMatch(/in flight/);
    const [answer] = answers((await first).body);
    expect(answer).toMatchObject({ id: 7, result: { content: [{ type: 'text', text: 'slept 800' }] } });
  });

  it('within one batch on /mcp: the second of two equal ids is refused', async () => {
    const headers = await session();
    const res = await rawRequest(server.mcpUrl, { method: 'POST', headers, body: JSON.stringify([slow(9, 200), slow(9, 10)]) });
    const got = answers(res.body);
    expect(got).toHaveLength(2);
    expect(got.find((m) => m.error)).toMatchObject({ id: 9, error: { code: -32600 } });
    expect(got.find((m) => m.result)).toMatchObject({ id: 9, result: { content: [{ text: 'slept 200' }] } });
  });

  it('on legacy SSE: the second is refused, the first answered', async () => {
    const sse = await openRawSse(server.sseUrl);
    const url = `${server.url}${sse.endpoint}`;
    const post = (body: unknown) => rawRequest(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    await post({ ...INIT, params: { ...INIT.params, protocolVersion: '2024-11-05' } });
    await post([slow(5, 500), slow(5, 10)]);
    await sse.waitFor(/"id":5,"error".*in flight/);
    await sse.waitFor(/slept 500/);
    expect(sse.text()).not.toMatch(/slept 10"/);
    sse.destroy();
  });
});
