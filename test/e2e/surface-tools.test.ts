import {
  CallToolResultSchema,
  CreateMessageRequestSchema,
  ElicitRequestSchema,
  type CreateMessageRequest,
  type ElicitRequest,
  type JSONRPCMessage,
  type Progress,
} from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serve, type ServeHandle } from '../helpers/cli.js';
import { connect, TRANSPORTS, type ConnectedClient } from '../helpers/clients.js';
import { removeDir, tempDir } from '../helpers/temp.js';

let dir: string;
let server: ServeHandle;

beforeAll(async () => {
  dir = await tempDir({
    'defs/content.ts': `
      import { z } from 'zod';
      import { defineTool, audio, image, resource, resourceLink, text } from 'mcp-sse';
      export const media = defineTool({
        description: 'Every content helper',
        handler: () => [
          text('caption'),
          image(new Uint8Array([1, 2, 3]), 'image/png'),
          audio('UklGRg==', 'audio/wav'),
          resource({ uri: 'mem://note', mimeType: 'text/plain', text: 'embedded' }),
          resource({ uri: 'mem://bin', blob: new Uint8Array([255]) }),
          resourceLink({ uri: 'mem://big', name: 'big', mimeType: 'text/csv', description: 'too big to embed' }),
        ],
      });
      export const one = defineTool({ description: 'One block', handler: () => image('AAAA', 'image/gif') });
      export const stats = defineTool({
        description: 'Structured output',
        input: { values: z.array(z.number()) },
        output: { count: z.number(), mean: z.number() },
        handler: ({ values }) => ({ count: values.length, mean: values.reduce((a, b) => a + b, 0) / values.length }),
      });
      export const liar = defineTool({
        description: 'Returns output that breaks its schema',
        output: { count: z.number() },
        handler: () => ({ count: 'many' }),
      });
      export const stringy = defineTool({
        description: 'Declares output but returns text',
        output: { count: z.number() },
        handler: () => 'three',
      });
      export const full = defineTool({
        description: 'Returns a full result with structured content',
        output: { count: z.number() },
        handler: () => ({ content: [{ type: 'text', text: 'two' }], structuredContent: { count: 2 } }),
      });`,
    'defs/work.ts': `
      import { z } from 'zod';
      import { defineTool } from 'mcp-sse';
      export const steps = defineTool({
        description: 'Reports progress for each step',
        input: { steps: z.number().int() },
        async handler({ steps }, ctx) {
          for (let i = 1; i <= steps; i++) {
            await new Promise((r) => setTimeout(r, 2));
            await ctx.progress(i, steps, 'step ' + i);
          }
          return 'token: ' + String(ctx.meta.progressToken ?? 'none');
        },
      });
      export const chatty = defineTool({
        description: 'Logs at every level',
        async handler(_args, ctx) {
          for (const level of ['debug', 'info', 'notice', 'warning', 'error', 'critical', 'alert', 'emergency'] as const) {
            await ctx.log[level]('at ' + level);
          }
          await ctx.log.info('with data', { n: 1 });
          return 'logged';
        },
      });
      export const lingering = defineTool({
        description: 'Logs and reports progress after it answered',
        handler(_args, ctx) {
          setTimeout(async () => {
            await ctx.progress(99, 100);
            await ctx.log.warning('after the call');
          }, 5);
          return 'answered';
        },
      });`,
    'defs/ask.ts': `
      import { z } from 'zod';
      import { defineTool } from 'mcp-sse';
      export const ask_llm = defineTool({
        description: 'Asks the client LLM',
        input: { question: z.string() },
        async handler({ question }, ctx) {
          const answer = await ctx.sample({ messages: [{ role: 'user', content: { type: 'text', text: question } }], maxTokens: 50 });
          return { model: answer.model, said: answer.content.type === 'text' ? answer.content.text : '?' };
        },
      });
      export const ask_user = defineTool({
        description: 'Asks the user',
        async handler(_args, ctx) {
          const answer = await ctx.elicit({
            message: 'Who are you?',
            requestedSchema: { name: z.string().describe('your name'), age: z.number().int().optional() },
          });
          return answer.action === 'accept' ? 'hello ' + answer.content?.name : 'you chose ' + answer.action;
        },
      });
      export const ask_url = defineTool({
        description: 'Sends the user to a page',
        async handler(_args, ctx) {
          const answer = await ctx.elicit({ mode: 'url', message: 'Sign in', url: 'https://example.com/login', elicitationId: 'e1' });
          return 'you chose ' + answer.action;
        },
      });`,
  });
  server = await serve(`${dir}/defs`);
});

afterAll(async () => {
  await server?.stop();
  await removeDir(dir);
});

function textOf(result: object): string {
  return (((result as { content?: unknown }).content as Array<{ type: string; text?: string }>)[0] ?? {}).text ?? '';
}

describe.each(TRANSPORTS)('tools over %s', (transport) => {
  it('answers ping with an empty result', async () => {
    const c = await connect(server.url, transport);
    expect(await c.client.ping()).toEqual({});
    await c.close();
  });

  it('serves every content helper as its content block', async () => {
    const c = await connect(server.url, transport);
    const result = await c.client.callTool({ name: 'media', arguments: {} });
    expect(result.content).toEqual([
      { type: 'text', text: 'caption' },
      { type: 'image', data: 'AQID', mimeType: 'image/png' },
      { type: 'audio', data: 'UklGRg==', mimeType: 'audio/wav' },
      { type: 'resource', resource: { uri: 'mem://note', mimeType: 'text/plain', text: 'embedded' } },
      { type: 'resource', resource: { uri: 'mem://bin', blob: '/w==' } },
      { type: 'resource_link', uri: 'mem://big', name: 'big', mimeType: 'text/csv', description: 'too big to embed' },
    ]);
    expect((await c.client.callTool({ name: 'one' })).content).toEqual([{ type: 'image', data: 'AAAA', mimeType: 'image/gif' }]);
    await c.close();
  });

  it('advertises outputSchema and returns structuredContent next to JSON text', async () => {
    const c = await connect(server.url, transport);
    const { tools } = await c.client.listTools();
    expect(tools.find((t) => t.name === 'stats')?.outputSchema).toMatchObject({
      type: 'object',
      properties: { count: { type: 'number' }, mean: { type: 'number' } },
    });
    const result = await c.client.callTool({ name: 'stats', arguments: { values: [1, 2, 6] } });
    expect(result.structuredContent).toEqual({ count: 3, mean: 3 });
    expect(JSON.parse(textOf(result))).toEqual({ count: 3, mean: 3 });
    const bad = await c.client.callTool({ name: 'liar' });
    expect(bad.isError).toBe(true);
    expect(textOf(bad)).toMatch(/liar returned output that does not match its `output` schema/);
    const stringy = await c.client.callTool({ name: 'stringy' });
    expect(stringy).toMatchObject({ isError: true });
    expect(textOf(stringy)).toBe('Tool stringy declares `output` but returned a string; return a plain object matching it');
    expect(await c.client.callTool({ name: 'full' })).toMatchObject({ content: [{ type: 'text', text: 'two' }], structuredContent: { count: 2 } });
    await c.close();
  });

  it('delivers progress notifications in order, all before the result', async () => {
    const c = await connect(server.url, transport);
    // What arrives on the wire, in order, before the SDK dispatches it.
    const wire: JSONRPCMessage[] = [];
    const t = c.client.transport!;
    const dispatch = t.onmessage!;
    t.onmessage = (message, extra) => (wire.push(message), dispatch(message, extra));
    const seen: Progress[] = [];
    const result = await c.client.callTool({ name: 'steps', arguments: { steps: 5 } }, CallToolResultSchema, {
      onprogress: (progress) => seen.push(progress),
    });
    expect(wire.map((m) => ('method' in m ? `${m.method} ${m.params?.progress}` : 'result' in m ? 'result' : 'other'))).toEqual([
      ...[1, 2, 3, 4, 5].map((i) => `notifications/progress ${i}`),
      'result',
    ]);
    // The SDK client drops progress it handles after the result, so all five reaching onprogress matters too.
    expect(seen).toEqual([1, 2, 3, 4, 5].map((i) => ({ progress: i, total: 5, message: `step ${i}` })));
    expect(textOf(result)).toMatch(/^token: \S+/);
    expect(textOf(result)).not.toBe('token: none');
    await c.close();
  });

  it('sends no progress without a progress token', async () => {
    const c = await connect(server.url, transport);
    const result = await c.client.callTool({ name: 'steps', arguments: { steps: 2 } });
    expect(textOf(result)).toBe('token: none');
    expect(c.notifications.filter((n) => n.method === 'notifications/progress')).toEqual([]);
    await c.close();
  });

  it('sends log messages at or above the level set by logging/setLevel, named for the tool', async () => {
    const c = await connect(server.url, transport);
    const logged = () => c.notifications.filter((n) => n.method === 'notifications/message').map((n) => n.params);
    expect(await c.client.setLoggingLevel('warning')).toEqual({});
    await c.client.callTool({ name: 'chatty' });
    // Messages travel ahead of the result on the same stream, so they have all arrived by now.
    expect(logged()).toEqual(
      ['warning', 'error', 'critical', 'alert', 'emergency'].map((level) => ({ level, logger: 'chatty', data: `at ${level}` })),
    );

    await c.client.setLoggingLevel('debug');
    const since = logged().length;
    await c.client.callTool({ name: 'chatty' });
    const all = logged().slice(since);
    expect(all.map((p) => p?.level)).toEqual(['debug', 'info', 'notice', 'warning', 'error', 'critical', 'alert', 'emergency', 'info']);
    expect(all.at(-1)).toEqual({ level: 'info', logger: 'chatty', data: { message: 'with data', data: { n: 1 } } });
    await c.close();
  });

  it('still delivers a log written after the call answered, and drops late progress quietly', async () => {
    const c = await connect(server.url, transport);
    await c.streamReady;
    const from = server.output().length;
    const result = await c.client.callTool({ name: 'lingering', _meta: { progressToken: 7 } });
    expect(textOf(result)).toBe('answered');
    const log = await c.nextNotification('notifications/message');
    expect(log.params).toEqual({ level: 'warning', logger: 'lingering', data: 'after the call' });
    expect(c.notifications.filter((n) => n.method === 'notifications/progress')).toEqual([]);
    expect(server.output().slice(from)).not.toMatch(/error|sending to session/i);
    await c.close();
  });

  it('rejects an unknown log level with -32602', async () => {
    const c = await connect(server.url, transport);
    await expect(c.client.request({ method: 'logging/setLevel', params: { level: 'loud' as never } }, CallToolResultSchema.partial())).rejects.toMatchObject({
      code: -32602,
    });
    await c.close();
  });

  describe('with a client that provides sampling and elicitation', () => {
    let c: ConnectedClient;
    const samplingRequests: CreateMessageRequest['params'][] = [];
    const elicitRequests: ElicitRequest['params'][] = [];
    let elicitAnswer: 'accept' | 'decline' = 'accept';

    beforeAll(async () => {
      c = await connect(server.url, transport, { capabilities: { sampling: {}, elicitation: {} } });
      c.client.setRequestHandler(CreateMessageRequestSchema, async (request) => {
        samplingRequests.push(request.params);
        return { role: 'assistant', model: 'test-model', content: { type: 'text', text: 'forty-two' } };
      });
      c.client.setRequestHandler(ElicitRequestSchema, async (request) => {
        elicitRequests.push(request.params);
        return elicitAnswer === 'accept' ? { action: 'accept', content: { name: 'Ada', age: 36 } } : { action: 'decline' };
      });
    });
    afterAll(() => c?.close());

    it('round-trips sampling/createMessage during a call', async () => {
      const result = await c.client.callTool({ name: 'ask_llm', arguments: { question: 'meaning of life?' } });
      expect(result.isError).toBeFalsy();
      expect(JSON.parse(textOf(result))).toEqual({ model: 'test-model', said: 'forty-two' });
      expect(samplingRequests).toEqual([
        { messages: [{ role: 'user', content: { type: 'text', text: 'meaning of life?' } }], maxTokens: 50 },
      ]);
    });

    it('round-trips elicitation/create with a zod shape sent as plain JSON Schema', async () => {
      elicitAnswer = 'accept';
      expect(textOf(await c.client.callTool({ name: 'ask_user' }))).toBe('hello Ada');
      const schema = (elicitRequests.at(-1) as { requestedSchema?: unknown }).requestedSchema as Record<string, unknown>;
      expect(elicitRequests.at(-1)!.message).toBe('Who are you?');
      expect(schema).toMatchObject({
        type: 'object',
        properties: { name: { type: 'string', description: 'your name' }, age: { type: 'integer' } },
        required: ['name'],
      });
      expect(schema).not.toHaveProperty('$schema');
      elicitAnswer = 'decline';
      expect(textOf(await c.client.callTool({ name: 'ask_user' }))).toBe('you chose decline');
    });

    it('refuses URL-mode elicitation to a client that declared form mode only', async () => {
      const result = await c.client.callTool({ name: 'ask_url' });
      expect(result.isError).toBe(true);
      expect(textOf(result)).toMatch(/ctx\.elicit\(\) needs a client that declares the "elicitation\.url" capability/);
    });
  });

  it('round-trips URL-mode elicitation with a client that declares it, and refuses form mode to it', async () => {
    const c = await connect(server.url, transport, { capabilities: { elicitation: { url: {} } } });
    const seen: unknown[] = [];
    c.client.setRequestHandler(ElicitRequestSchema, async (request) => (seen.push(request.params), { action: 'accept' }));
    expect(textOf(await c.client.callTool({ name: 'ask_url' }))).toBe('you chose accept');
    expect(seen).toEqual([{ mode: 'url', message: 'Sign in', url: 'https://example.com/login', elicitationId: 'e1' }]);
    const form = await c.client.callTool({ name: 'ask_user' });
    expect(form.isError).toBe(true);
    expect(textOf(form)).toMatch(/needs a client that declares the "elicitation\.form" capability/);
    await c.close();
  });

  it('fails sampling and elicitation with a clear error when the client lacks the capability', async () => {
    const c = await connect(server.url, transport, { name: 'plain-client' });
    const sample = await c.client.callTool({ name: 'ask_llm', arguments: { question: 'hi' } });
    expect(sample.isError).toBe(true);
    expect(textOf(sample)).toBe('ctx.sample() needs a client that declares the "sampling" capability; this client (plain-client) does not');
    const elicit = await c.client.callTool({ name: 'ask_user' });
    expect(elicit.isError).toBe(true);
    expect(textOf(elicit)).toMatch(/ctx\.elicit\(\) needs a client that declares the "elicitation" capability/);
    await c.close();
  });
});
