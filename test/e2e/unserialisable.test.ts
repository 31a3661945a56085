import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serve, type ServeHandle } from '../helpers/cli.js';
import { connect, TRANSPORTS } from '../helpers/clients.js';
import { removeDir, tempDir } from '../helpers/temp.js';

const TOOLS = {
  'tools/bad.ts': `
    import { z } from 'zod';
    import { defineTool } from 'mcp-sse';
    const loop = () => { const o: any = { name: 'x' }; o.self = o; return o; };
    export const circular_result = defineTool({ handler: () => { const r: any = { content: [{ type: 'text', text: 'hi' }] }; r.again = r; return r; } });
    export const bigint_content = defineTool({ handler: () => ({ content: [{ type: 'text', text: 'hi', n: 10n }] }) });
    export const bigint_meta = defineTool({ handler: () => ({ content: [], _meta: { count: 1n } }) });
    export const circular_structured = defineTool({
      output: { a: z.any() },
      handler: () => ({ content: [{ type: 'text', text: '{}' }], structuredContent: { a: { b: loop() } } }),
    });
    export const fine = defineTool({ handler: () => 'fine' });`,
};

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

const textOf = (r: unknown) => ((r as { content?: Array<{ text: string }> }).content ?? [])[0]?.text ?? '';

describe.each(TRANSPORTS)('results that cannot be serialised, over %s', (transport) => {
  it.each([
    ['circular_result', /circular_result.*circular.*\bagain\b/],
    ['bigint_content', /bigint_content.*BigInt.*content\[0\]\.n/],
    ['bigint_meta', /bigint_meta.*BigInt.*_meta\.count/],
    ['circular_structured', /circular_structured.*circular.*structuredContent\.a\.b\.self/],
  ])('%s is answered with an error result naming the tool and the path', async (name, message) => {
    const c = await connect(server.url, transport);
    const result = await c.client.callTool({ name }, undefined, { timeout: 5000 });
    expect(result.isError).toBe(true);
    expect(textOf(result)).toMatch(message);
    expect(textOf(await c.client.callTool({ name: 'fine' }))).toBe('fine');
    await c.close();
  });
});
