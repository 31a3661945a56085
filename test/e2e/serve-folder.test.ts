import { createServer as createNetServer } from 'node:net';
import { McpError } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runToEnd, serve, type ServeHandle } from '../helpers/cli.js';
import { connect, TRANSPORTS } from '../helpers/clients.js';
import { ADD_TOOL } from '../helpers/fixtures.js';
import { removeDir, tempDir } from '../helpers/temp.js';

let dir: string;
let server: ServeHandle;

const FILES = {
  'add.ts': ADD_TOOL,
  'echo.js': `
    import { defineTool } from 'mcp-sse';
    export default defineTool({
      description: 'Echo, with a plain JSON Schema input',
      input: { type: 'object', properties: { msg: { type: 'string', minLength: 1 } }, required: ['msg'], additionalProperties: false },
      handler: ({ msg }) => msg,
    });`,
  'legacy.cjs': `
    const { defineTool } = require('mcp-sse');
    module.exports = defineTool({ name: 'from_cjs', handler: () => 'commonjs works' });`,
  '_shared.ts': `export const factor = (n: number) => n * 10;`,
  'math/mul.mts': `
    import { z } from 'zod';
    import { defineTool } from 'mcp-sse';
    import { factor } from '../_shared.js';
    export default defineTool({ input: { n: z.number() }, handler: ({ n }) => factor(n) });`,
  'forms.ts': `
    import { defineTool, ToolError } from 'mcp-sse';
    let lastAbort = '';
    export const as_string = defineTool({ handler: () => 'plain text' });
    export const as_number = defineTool({ handler: () => 42 });
    export const as_boolean = defineTool({ handler: () => true });
    export const as_object = defineTool({ handler: () => ({ a: [1, 2] }) });
    export const as_array = defineTool({ handler: () => ['x', 'y'] });
    export const as_result = defineTool({ handler: () => ({ content: [{ type: 'text', text: 'full' }], isError: false }) });
    export const thrower = defineTool({ handler: () => { throw new Error('something broke'); } });
    export const model_error = defineTool({ handler: async () => { throw new ToolError('try a smaller number'); } });
    export const slow = defineTool({ timeoutMs: 300, handler: (_a, ctx) => new Promise((r) => ctx.signal.addEventListener('abort', () => r('late'))) });
    export const waiter = defineTool({
      handler: (_args, ctx) => new Promise((_resolve, reject) => ctx.signal.addEventListener('abort', () => {
        lastAbort = ctx.signal.reason?.kind ?? 'unknown';
        reject(ctx.signal.reason);
      })),
    });
    export const last_abort = defineTool({ handler: () => { const v = lastAbort; lastAbort = ''; return v || 'none'; } });`,
  'broken.ts': `
    import { defineTool } from 'mcp-sse';
    export default defineTool({ handler: () => 'x' ;`,
  'invalid.ts': `
    import { defineTool } from 'mcp-sse';
    export default defineTool({ description: 7, handler: () => 'x' } as never);`,
  'dup_a.ts': `
    import { defineTool } from 'mcp-sse';
    export default defineTool({ name: 'dup', handler: () => 'first' });`,
  'dup_b.ts': `
    import { defineTool } from 'mcp-sse';
    export default defineTool({ name: 'dup', handler: () => 'second' });`,
  'notes.md': '# not served',
  'add.test.ts': 'throw new Error("test files are not served");',
};

beforeAll(async () => {
  dir = await tempDir(Object.fromEntries(Object.entries(FILES).map(([k, v]) => [`tools/${k}`, v])));
  // Streamable HTTP calls whose client vanished stop once this resume window passes.
  server = await serve(`${dir}/tools`, ['--resume-window', '300']);
});

afterAll(async () => {
  await server?.stop();
  await removeDir(dir);
});

const textOf = (result: object) => ((result as { content: Array<{ text?: string }> }).content[0]?.text ?? '');

/** Polls a condition a test cannot await as an event (state inside the server), with a deadline. */
async function eventually<T>(probe: () => Promise<T>, ok: (value: T) => boolean, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (ok(value) || Date.now() > deadline) return value;
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('loading a folder', () => {
  it('reports each broken file once, with what and where, and keeps serving the rest', async () => {
    const out = server.output();
    expect(out).toMatch(/broken\.ts:\d+:\d+/);
    expect(out).toMatch(/invalid\.ts.*description/);
    expect(out).toMatch(/dup_b\.ts.*"dup"/);
    expect(out.match(/broken\.ts:\d+:\d+/g)).toHaveLength(1);
    const health = (await (await fetch(`${server.url}/healthz`)).json()) as { status: string; tools: number; errors: Array<{ file: string }> };
    expect(health.status).toBe('degraded');
    expect(health.errors.map((e) => e.file.split('/').pop()).sort()).toEqual(['broken.ts', 'dup_b.ts', 'invalid.ts']);
    expect((await fetch(`${server.url}/readyz`)).status).toBe(200);
  });
});

describe.each(TRANSPORTS)('serving over %s', (transport) => {
  it('lists every served definition under its derived or given name, with its schema', async () => {
    const c = await connect(server.url, transport);
    const { tools } = await c.client.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual(
      ['add', 'as_array', 'as_boolean', 'as_number', 'as_object', 'as_result', 'as_string', 'dup', 'echo', 'from_cjs', 'last_abort', 'math_mul', 'model_error', 'slow', 'thrower', 'waiter'].sort(),
    );
    const echo = tools.find((t) => t.name === 'echo')!;
    expect(echo.inputSchema).toEqual({ type: 'object', properties: { msg: { type: 'string', minLength: 1 } }, required: ['msg'], additionalProperties: false });
    expect(tools.find((t) => t.name === 'as_string')!.inputSchema).toEqual({ type: 'object', properties: {} });
    expect(tools.find((t) => t.name === 'add')!.outputSchema).toMatchObject({ type: 'object', properties: { sum: { type: 'number' } } });
    await c.close();
  });

  it('returns each handler return form as the SPEC says', async () => {
    const c = await connect(server.url, transport);
    const call = (name: string, args?: Record<string, unknown>) => c.client.callTool({ name, arguments: args });
    expect((await call('as_string')).content).toEqual([{ type: 'text', text: 'plain text' }]);
    expect((await call('as_number')).content).toEqual([{ type: 'text', text: '42' }]);
    expect((await call('as_boolean')).content).toEqual([{ type: 'text', text: 'true' }]);
    expect((await call('as_object')).content).toEqual([{ type: 'text', text: '{"a":[1,2]}' }]);
    expect((await call('as_array')).content).toEqual([{ type: 'text', text: '["x","y"]' }]);
    expect(await call('as_result')).toMatchObject({ content: [{ type: 'text', text: 'full' }], isError: false });
    expect((await call('add', { a: 2, b: 3 })).structuredContent).toEqual({ sum: 5 });
    expect(textOf(await call('math_mul', { n: 4 }))).toBe('40');
    expect(textOf(await call('echo', { msg: 'hi' }))).toBe('hi');
    expect(textOf(await call('from_cjs'))).toBe('commonjs works');
    expect(textOf(await call('dup'))).toBe('first');
    // Called without `arguments` at all, a tool without input still runs.
    expect(textOf(await c.client.callTool({ name: 'as_string' }))).toBe('plain text');
    await c.close();
  });

  it('turns thrown errors and invalid arguments into isError results with a clear message', async () => {
    const c = await connect(server.url, transport);
    const thrown = await c.client.callTool({ name: 'thrower' });
    expect(thrown.isError).toBe(true);
    expect(textOf(thrown)).toBe('something broke');
    const model = await c.client.callTool({ name: 'model_error' });
    expect(model).toMatchObject({ isError: true, content: [{ type: 'text', text: 'try a smaller number' }] });
    const badZod = await c.client.callTool({ name: 'add', arguments: { a: 'one', b: 2 } });
    expect(badZod.isError).toBe(true);
    expect(textOf(badZod)).toMatch(/a/);
    const badJson = await c.client.callTool({ name: 'echo', arguments: { msg: '' } });
    expect(badJson.isError).toBe(true);
    expect(textOf(badJson)).toMatch(/msg|fewer than 1|minLength/i);
    await c.close();
  });

  it('answers an unknown tool with JSON-RPC error -32602', async () => {
    const c = await connect(server.url, transport);
    const error = await c.client.callTool({ name: 'nope' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(McpError);
    expect((error as McpError).code).toBe(-32602);
    expect((error as McpError).message).toMatch(/nope/);
    await c.close();
  });

  it('times a call out after its timeoutMs, aborting its signal', async () => {
    const c = await connect(server.url, transport);
    const result = await c.client.callTool({ name: 'slow' });
    expect(result).toMatchObject({ isError: true, content: [{ type: 'text', text: 'Tool slow timed out after 300 ms' }] });
    await c.close();
  });

  it("aborts the handler's signal when the client cancels", async () => {
    const c = await connect(server.url, transport);
    const controller = new AbortController();
    const call = c.client.callTool({ name: 'waiter' }, undefined, { signal: controller.signal });
    // The request must reach the server before the cancellation means anything.
    await new Promise((r) => setTimeout(r, 100));
    controller.abort('changed my mind');
    await expect(call).rejects.toThrow();
    const seen = await eventually(async () => textOf(await c.client.callTool({ name: 'last_abort' })), (v) => v !== 'none');
    expect(seen).toBe('cancelled');
    await c.close();
  });

  it('aborts a running call when its client disconnects (and, over http, does not resume it in time), and keeps serving others', async () => {
    const gone = await connect(server.url, transport);
    void gone.client.callTool({ name: 'waiter' }).catch(() => undefined);
    await new Promise((r) => setTimeout(r, 100));
    await gone.close();
    const c = await connect(server.url, transport);
    const seen = await eventually(async () => textOf(await c.client.callTool({ name: 'last_abort' })), (v) => v !== 'none');
    expect(seen).toBe('disconnected');
    expect((await c.client.callTool({ name: 'add', arguments: { a: 1, b: 1 } })).structuredContent).toEqual({ sum: 2 });
    await c.close();
  });

  it('serves 20 concurrent sessions, each getting its own answers', async () => {
    const clients = await Promise.all(Array.from({ length: 20 }, () => connect(server.url, transport)));
    const sums = await Promise.all(
      clients.map(async (c, i) => {
        const results = await Promise.all([0, 1, 2].map((j) => c.client.callTool({ name: 'add', arguments: { a: i, b: j } })));
        return results.map((r) => (r.structuredContent as { sum: number }).sum);
      }),
    );
    expect(sums).toEqual(clients.map((_, i) => [i, i + 1, i + 2]));
    await Promise.all(clients.map((c) => c.close()));
  });
});

describe('the serve process', () => {
  it('exits 1 with one clear line when the port is taken', async () => {
    const blocker = createNetServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as { port: number }).port;
    try {
      const { code, output } = await runToEnd(['serve', `${dir}/tools`, '--port', String(port), '--no-watch']);
      expect(code).toBe(1);
      expect(output).toContain(`port ${port} is in use; pick another with --port`);
      expect(output).not.toMatch(/\n\s+at /);
    } finally {
      blocker.close();
    }
  });

  it.each(['SIGINT', 'SIGTERM'] as const)('closes every session and exits 0 within 2 s on %s', async (signal) => {
    const own = await serve(`${dir}/tools`, ['--no-watch']);
    const clients = await Promise.all(TRANSPORTS.map((t) => connect(own.url, t)));
    const started = Date.now();
    const { code } = await own.stop(signal);
    expect(code).toBe(0);
    expect(Date.now() - started).toBeLessThan(2000);
    expect(own.output()).toMatch(new RegExp(`${signal}: closing 2 session`));
    await Promise.all(clients.map((c) => c.close().catch(() => undefined)));
  });

  it('still stops on SIGTERM after whoever read its logs went away (EPIPE)', async () => {
    const own = await serve(`${dir}/tools`, ['--no-watch']);
    own.child.stderr!.destroy();
    own.child.stdout!.destroy();
    const exit = await own.stop('SIGTERM');
    expect(exit).toEqual({ code: 0, signal: null });
  });

  it('prints usage errors with exit code 2', async () => {
    const { code, output } = await runToEnd(['serve', '--port', 'eighty']);
    expect(code).toBe(2);
    expect(output).toMatch(/--port must be a whole number/);
  });
});
