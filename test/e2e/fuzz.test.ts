import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serve, type ServeHandle } from '../helpers/cli.js';
import { connect, TRANSPORTS } from '../helpers/clients.js';
import { health } from '../helpers/health.js';
import { openRawSse, rawRequest, type RawSse } from '../helpers/raw-http.js';
import { removeDir, tempDir } from '../helpers/temp.js';

const RUNS = 150;
const TOOL_NAMES = ['typed', 'json_schema', 'no_input', 'throws'];
const METHODS = [
  'tools/call', 'tools/list', 'ping', 'initialize', 'resources/list', 'resources/read', 'resources/templates/list',
  'resources/subscribe', 'prompts/list', 'prompts/get', 'completion/complete', 'logging/setLevel', 'notifications/cancelled',
  'notifications/initialized', 'sampling/createMessage', '__proto__', 'constructor', 'toString',
];

const id = fc.oneof(fc.integer(), fc.string({ maxLength: 20 }));
const params = fc.oneof(fc.constant(undefined), fc.jsonValue({ maxDepth: 4 }), fc.dictionary(fc.string({ maxLength: 10 }), fc.jsonValue({ maxDepth: 3 })));
const toolCall = fc.record({
  jsonrpc: fc.constant('2.0'),
  id,
  method: fc.constant('tools/call'),
  params: fc.record({
    name: fc.oneof(fc.constantFrom(...TOOL_NAMES), fc.string({ maxLength: 10 })),
    arguments: fc.oneof(
      fc.constant(undefined),
      fc.jsonValue({ maxDepth: 4 }),
      fc.record({ n: fc.jsonValue({ maxDepth: 2 }), s: fc.jsonValue({ maxDepth: 2 }), list: fc.jsonValue({ maxDepth: 2 }) }, { requiredKeys: [] }),
    ),
  }, { requiredKeys: ['name'] }),
});
const request = fc.record({
  jsonrpc: fc.constantFrom('2.0', '2.0', '2.0', '1.0', undefined),
  id: fc.oneof(id, fc.constant(null), fc.constant(undefined), fc.jsonValue({ maxDepth: 1 })),
  method: fc.oneof(fc.constantFrom(...METHODS), fc.string({ maxLength: 20 }), fc.jsonValue({ maxDepth: 1 })),
  params,
}, { requiredKeys: [] });
const response = fc.record({ jsonrpc: fc.constant('2.0'), id, result: fc.jsonValue({ maxDepth: 2 }) });
const message = fc.oneof({ weight: 3, arbitrary: toolCall }, { weight: 3, arbitrary: request }, { weight: 1, arbitrary: response }, { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }) });
const body = fc.oneof({ weight: 5, arbitrary: message }, { weight: 1, arbitrary: fc.array(message, { minLength: 1, maxLength: 3 }) });

type Answer = { jsonrpc: string; id: unknown; result?: unknown; error?: { code: number; message: string } };

let counter = 0;
/** Gives every request in a body an id no other request used, keeping the id's type. */
function uniqueIds(value: unknown): { body: unknown; ids: (string | number)[] } {
  const ids: (string | number)[] = [];
  const fix = (m: unknown) => {
    if (typeof m !== 'object' || m === null || Array.isArray(m)) return m;
    const msg = m as Record<string, unknown>;
    if (typeof msg.id === 'number' || typeof msg.id === 'string') {
      const fresh = typeof msg.id === 'number' ? 1_000_000 + ++counter : `fuzz-${++counter}`;
      // Only requests are owed an answer: a valid JSON-RPC 2.0 message with a string method.
      const isRequest = msg.jsonrpc === '2.0' && typeof msg.method === 'string';
      if (isRequest) ids.push(fresh);
      return { ...msg, id: fresh };
    }
    return msg;
  };
  return { body: Array.isArray(value) ? value.map(fix) : fix(value), ids };
}

const answered = { sse: 0, http: 0, toolResults: 0 };
function expectWellFormed(answer: Answer, id: unknown) {
  if ((answer.result as { content?: unknown })?.content) answered.toolResults++;
  expect(answer.jsonrpc).toBe('2.0');
  expect(answer.id).toBe(id);
  expect('result' in answer !== 'error' in answer).toBe(true);
  if (answer.error) {
    expect(Number.isInteger(answer.error.code)).toBe(true);
    expect(typeof answer.error.message).toBe('string');
  }
}

function expectHttpError(status: number, json: any) {
  expect(status).toBeGreaterThanOrEqual(400);
  expect(status).toBeLessThan(500);
  expect(json).toMatchObject({ jsonrpc: '2.0', error: { code: expect.any(Number), message: expect.any(String) } });
}

let dir: string;
let server: ServeHandle;

beforeAll(async () => {
  dir = await tempDir({
    'typed.ts': `
      import { z } from 'zod';
      import { defineTool } from 'mcp-sse';
      export default defineTool({
        description: 'Typed arguments',
        input: { n: z.number(), s: z.string().optional(), list: z.array(z.object({ k: z.string() })).optional() },
        output: { n: z.number() },
        handler: ({ n }) => ({ n }),
      });`,
    'json_schema.ts': `
      import { defineTool } from 'mcp-sse';
      export default defineTool({
        description: 'JSON Schema arguments',
        input: { type: 'object', properties: { n: { type: 'integer', minimum: 0 } }, required: ['n'], additionalProperties: false },
        handler: (args) => JSON.stringify(args),
      });`,
    'no_input.ts': `
      import { defineTool } from 'mcp-sse';
      export default defineTool({ description: 'No input', handler: () => 'ok' });`,
    'throws.ts': `
      import { defineTool } from 'mcp-sse';
      export default defineTool({ description: 'Throws', handler(args) { throw new Error('fuzzed ' + JSON.stringify(args).slice(0, 20)); } });`,
    'doc.ts': `
      import { defineResource } from 'mcp-sse';
      export default defineResource({ uri: 'docs://a', name: 'a', read: () => 'a', complete: {} });`,
    'p.ts': `
      import { z } from 'zod';
      import { definePrompt } from 'mcp-sse';
      export default definePrompt({ description: 'p', args: { code: z.string() }, get: ({ code }) => code });`,
  });
  server = await serve(dir, ['--no-watch']);
});

afterAll(async () => {
  expect(server.child.exitCode).toBeNull();
  await server?.stop();
  await removeDir(dir);
});

describe('fuzz: random JSON-RPC messages and tool arguments', () => {
  it('legacy SSE: every POST is accepted or refused cleanly, every request is answered on the stream', async () => {
    const sse: RawSse = await openRawSse(server.sseUrl);
    const postUrl = `${server.url}${sse.endpoint}`;
    await rawRequest(postUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 'init', method: 'initialize', params: { protocolVersion: '2024-11-05', capabilities: {}, clientInfo: { name: 'fuzz', version: '1' } } }),
    });
    await sse.waitFor(/"id":"init"/);
    await fc.assert(
      fc.asyncProperty(body, async (generated) => {
        const { body: sent, ids } = uniqueIds(generated);
        const from = sse.text().length;
        const res = await rawRequest(postUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(sent) });
        if (res.status !== 202) {
          expectHttpError(res.status, res.json);
          return;
        }
        for (const requestId of ids) {
          const [, data] = await sse.waitFor(new RegExp(`^data: (\\{.*"id":${JSON.stringify(requestId).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}[,}].*)$`, 'm'), 10_000, from);
          expectWellFormed(JSON.parse(data!), requestId);
          answered.sse++;
        }
      }),
      { numRuns: RUNS },
    );
    sse.destroy();
  });

  it('Streamable HTTP: every POST gets an HTTP error or the answers to its requests, ids matching', async () => {
    const init = await rawRequest(server.mcpUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'fuzz', version: '1' } } }),
    });
    const headers = {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      'mcp-session-id': init.headers['mcp-session-id'] as string,
      'mcp-protocol-version': '2025-06-18',
    };
    await fc.assert(
      fc.asyncProperty(body, async (generated) => {
        const { body: sent, ids } = uniqueIds(generated);
        const res = await rawRequest(server.mcpUrl, { method: 'POST', headers, body: JSON.stringify(sent) });
        if (res.status >= 400) {
          expectHttpError(res.status, res.json);
          return;
        }
        if (ids.length === 0) {
          expect(res.status).toBe(202);
          return;
        }
        expect(res.status).toBe(200);
        const answers: Answer[] = String(res.headers['content-type']).startsWith('text/event-stream')
          ? [...res.body.matchAll(/^data: (.+)$/gm)].map((m) => JSON.parse(m[1]!)).flat()
          : [res.json].flat();
        for (const requestId of ids) {
          const answer = answers.find((a) => a.id === requestId);
          expect(answer, `no answer for ${JSON.stringify(requestId)} to ${JSON.stringify(sent)}`).toBeDefined();
          expectWellFormed(answer!, requestId);
          answered.http++;
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('afterwards the server is healthy and serves fresh clients', async () => {
    // The generators reach the handlers, not only the parsers.
    console.log(`fuzz: ${RUNS} bodies per transport; requests answered: ${answered.sse} over SSE, ${answered.http} over HTTP; tool results among them: ${answered.toolResults}`);
    expect(answered.sse).toBeGreaterThan(RUNS / 4);
    expect(answered.http).toBeGreaterThan(RUNS / 4);
    expect(answered.toolResults).toBeGreaterThan(10);
    expect((await health(server.url)).status).toBe('ok');
    for (const transport of TRANSPORTS) {
      const c = await connect(server.url, transport);
      expect((await c.client.callTool({ name: 'typed', arguments: { n: 1 } })).structuredContent).toEqual({ n: 1 });
      await c.close();
    }
  });
});
