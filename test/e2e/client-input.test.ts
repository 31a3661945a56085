import { CreateMessageRequestSchema, ElicitRequestSchema, ListRootsRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serve, type ServeHandle } from '../helpers/cli.js';
import { connect, TRANSPORTS } from '../helpers/clients.js';
import { connectModern, MODERN, modernEnvelope } from '../helpers/modern-client.js';
import { removeDir, tempDir } from '../helpers/temp.js';

const CAPABILITIES = { sampling: {}, elicitation: { form: {} }, roots: {} };
const ROOTS = { roots: [{ uri: 'file:///work/project', name: 'project' }] };

let dir: string;
let server: ServeHandle;

beforeAll(async () => {
  dir = await tempDir({
    'tools/ask.ts': `
      import { z } from 'zod';
      import { defineTool } from 'mcp-sse';
      const text = (c: any) => (Array.isArray(c) ? c[0] : c)?.text;
      export const askAll = defineTool({
        description: 'Asks for a name, an LLM greeting and the roots at once, under keys of its own',
        async handler(_args, ctx) {
          const [name, greeting, { roots }] = await Promise.all([
            ctx.elicit({ message: 'Name?', requestedSchema: { name: z.string() } }, { key: 'name' }),
            ctx.sample({ messages: [{ role: 'user', content: { type: 'text', text: 'Greet' } }], maxTokens: 9 }, { key: 'greeting' }),
            ctx.roots({ key: 'roots' }),
          ]);
          return text(greeting.content) + ', ' + String(name.content?.name) + ' in ' + roots.map((r) => r.uri).join(' ');
        },
      });
      export const rootsOnly = defineTool({
        description: 'Lists the roots, with a generated key',
        async handler(_args, ctx) {
          const { roots } = await ctx.roots();
          return roots.map((r) => r.name + '=' + r.uri).join(', ');
        },
      });
      export const sameKeyTwice = defineTool({
        description: 'Asks two questions under one key at once',
        async handler(_args, ctx) {
          const ask = () => ctx.elicit({ message: 'Again?', requestedSchema: { ok: z.boolean() } }, { key: 'again' });
          const [first, second] = await Promise.allSettled([ask(), ask()]);
          return first.status + ' / ' + (second.status === 'rejected' ? second.reason.message : 'fulfilled');
        },
      });
      export const whoAsks = defineTool({
        description: 'Reports what the client declared it can do',
        handler: (_args, ctx) => ({ capabilities: ctx.client.capabilities, name: ctx.client.info?.name ?? null }),
      });`,
  });
  server = await serve(`${dir}/tools`);
});

afterAll(async () => {
  await server?.stop();
  await removeDir(dir);
});

describe.each(TRANSPORTS)('2025 clients over %s', (transport) => {
  it('answer ctx.elicit, ctx.sample and ctx.roots, each request on the wire under its key', async () => {
    const c = await connect(server.url, transport, { capabilities: CAPABILITIES });
    const ids: Record<string, unknown> = {};
    try {
      c.client.setRequestHandler(ElicitRequestSchema, async (_request, extra) => ((ids.elicit = extra.requestId), { action: 'accept', content: { name: 'Ada' } }));
      c.client.setRequestHandler(CreateMessageRequestSchema, async (_request, extra) => (
        (ids.sample = extra.requestId), { role: 'assistant', content: { type: 'text', text: 'Hello' }, model: 'm' }
      ));
      c.client.setRequestHandler(ListRootsRequestSchema, async (_request, extra) => ((ids.roots = extra.requestId), ROOTS));
      const result = await c.client.callTool({ name: 'askAll', arguments: {} });
      expect(result.content).toEqual([{ type: 'text', text: 'Hello, Ada in file:///work/project' }]);
      expect(ids).toEqual({ elicit: 'name', sample: 'greeting', roots: 'roots' });
      expect((await c.client.callTool({ name: 'rootsOnly', arguments: {} })).content).toEqual([{ type: 'text', text: 'project=file:///work/project' }]);
      const same = await c.client.callTool({ name: 'sameKeyTwice', arguments: {} });
      expect(same.content).toEqual([{ type: 'text', text: 'fulfilled / an input request named "again" is already waiting for the client' }]);
      const who = await c.client.callTool({ name: 'whoAsks', arguments: {} });
      expect(JSON.parse((who.content as Array<{ text: string }>)[0]!.text)).toEqual({ capabilities: CAPABILITIES, name: `test-${transport}` });
    } finally {
      await c.close();
    }
  });

  it('get a clear tool error from ctx.roots when they did not declare roots', async () => {
    const c = await connect(server.url, transport, { capabilities: { sampling: {} }, name: 'rootless' });
    try {
      const result = await c.client.callTool({ name: 'rootsOnly', arguments: {} });
      expect(result).toMatchObject({ isError: true, content: [{ text: 'ctx.roots() needs a client that declares the "roots" capability; this client (rootless) does not' }] });
    } finally {
      await c.close();
    }
  });
});

/** A raw 2026-07-28 tools/call. */
async function modernCall(name: string, extra: Record<string, unknown> = {}, capabilities: Record<string, unknown> = CAPABILITIES) {
  const envelope = modernEnvelope(capabilities, 'raw-2026');
  const response = await fetch(server.mcpUrl, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream', 'MCP-Protocol-Version': MODERN, 'Mcp-Method': 'tools/call', 'Mcp-Name': name },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name, arguments: {}, ...extra, _meta: envelope } }),
  });
  const text = await response.text();
  return JSON.parse(/^data: (.*)$/m.exec(text)?.[1] ?? text) as { result?: any; error?: any };
}

describe('2026-07-28 clients', () => {
  it('get the requests in one input_required round under their keys, and a new requestState each round', async () => {
    const first = await modernCall('askAll');
    expect(first.result.resultType).toBe('input_required');
    expect(first.result.inputRequests).toEqual({
      name: { method: 'elicitation/create', params: expect.objectContaining({ message: 'Name?' }) },
      greeting: { method: 'sampling/createMessage', params: expect.objectContaining({ maxTokens: 9 }) },
      roots: { method: 'roots/list', params: {} },
    });
    // Answer one of three: the call asks again for the other two, under a new state.
    const partial = await modernCall('askAll', { requestState: first.result.requestState, inputResponses: { roots: ROOTS } });
    expect(Object.keys(partial.result.inputRequests).sort()).toEqual(['greeting', 'name']);
    expect(partial.result.requestState).not.toBe(first.result.requestState);
    // The old state is spent.
    const replay = await modernCall('askAll', { requestState: first.result.requestState, inputResponses: {} });
    expect(replay.error).toMatchObject({ code: -32602 });
    const done = await modernCall('askAll', {
      requestState: partial.result.requestState,
      inputResponses: { name: { action: 'accept', content: { name: 'Ada' } }, greeting: { role: 'assistant', content: { type: 'text', text: 'Hi' }, model: 'm' } },
    });
    expect(done.result.content).toEqual([{ type: 'text', text: 'Hi, Ada in file:///work/project' }]);
  });

  it('complete at once when the first request brings the answers along', async () => {
    const done = await modernCall('askAll', {
      inputResponses: {
        name: { action: 'accept', content: { name: 'Bo' } },
        greeting: { role: 'assistant', content: { type: 'text', text: 'Hey' }, model: 'm' },
        roots: ROOTS,
        unrelated: { action: 'decline' },
      },
    });
    expect(done.result.content).toEqual([{ type: 'text', text: 'Hey, Bo in file:///work/project' }]);
  });

  it('see only the capabilities the request declared, and -32021 for roots it did not', async () => {
    const who = await modernCall('whoAsks', {}, { sampling: {} });
    expect(JSON.parse(who.result.content[0].text)).toEqual({ capabilities: { sampling: {} }, name: 'raw-2026' });
    const rootless = await modernCall('rootsOnly', {}, { sampling: {} });
    expect(rootless.error).toMatchObject({ code: -32021, data: { requiredCapabilities: { roots: {} } } });
  });

  it('are answered by the SDK v2 client, whose handlers see each request', async () => {
    const modern = await connectModern(server.url, 'pin', { capabilities: CAPABILITIES });
    try {
      modern.client.setRequestHandler('elicitation/create', async () => ({ action: 'accept', content: { name: 'Cy' } }));
      modern.client.setRequestHandler('sampling/createMessage', async () => ({ role: 'assistant', content: { type: 'text', text: 'Yo' }, model: 'm' }));
      modern.client.setRequestHandler('roots/list', async () => ROOTS);
      const result = await modern.client.callTool({ name: 'askAll', arguments: {} });
      expect(result.content).toEqual([{ type: 'text', text: 'Yo, Cy in file:///work/project' }]);
    } finally {
      await modern.close();
    }
  });
});
