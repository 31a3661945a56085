import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serve, type ServeHandle } from '../helpers/cli.js';
import { connect, TRANSPORTS } from '../helpers/clients.js';
import { ADD_TOOL } from '../helpers/fixtures.js';
import { removeDir, tempDir } from '../helpers/temp.js';

let dir: string;
let server: ServeHandle;

beforeAll(async () => {
  dir = await tempDir({
    'tools/add.ts': ADD_TOOL,
  });
  server = await serve(`${dir}/tools`);
});

afterAll(async () => {
  await server?.stop();
  await removeDir(dir);
});

describe.each(TRANSPORTS)('serve over %s', (transport) => {
  it('lists and calls a TypeScript tool from a folder with no package.json', async () => {
    const c = await connect(server.url, transport);
    const { tools } = await c.client.listTools();
    expect(tools.map((t) => t.name)).toEqual(['add']);
    expect(tools[0]!.inputSchema).toMatchObject({ type: 'object', properties: { a: { type: 'number' }, b: { type: 'number' } } });
    const result = await c.client.callTool({ name: 'add', arguments: { a: 2, b: 3 } });
    expect(result.structuredContent).toEqual({ sum: 5 });
    expect(result.content).toEqual([{ type: 'text', text: '{"sum":5}' }]);
    await c.close();
  });
});
