import { writeFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serve, type ServeHandle } from '../helpers/cli.js';
import { connectModern, MODERN, modernEnvelope, type ModernClient } from '../helpers/modern-client.js';
import { removeDir, tempDir } from '../helpers/temp.js';

const ENVELOPE = modernEnvelope();

let dir: string;
let server: ServeHandle;

beforeAll(async () => {
  dir = await tempDir({
    // Declared through zod metadata, the way a TypeScript file would.
    'tools/deploy.ts': `
      import { z } from 'zod';
      import { defineTool } from 'mcp-sse';
      export default defineTool({
        description: 'Deploys to a region',
        input: {
          region: z.string().meta({ 'x-mcp-header': 'Region' }),
          replicas: z.number().int().optional().meta({ 'x-mcp-header': 'Replicas' }),
          dryRun: z.boolean().optional().meta({ 'x-mcp-header': 'Dry-Run' }),
          note: z.string().optional(),
        },
        handler: ({ region, replicas, dryRun }) => \`\${region} x\${replicas ?? 1}\${dryRun ? ' (dry run)' : ''}\`,
      });`,
    // And as plain JSON Schema, nested.
    'tools/route.js': `
      const { defineTool } = require('mcp-sse');
      module.exports = defineTool({
        input: {
          type: 'object',
          properties: { target: { type: 'object', properties: { tenant: { type: 'string', 'x-mcp-header': 'Tenant' } } } },
        },
        handler: ({ target }) => 'for ' + (target?.tenant ?? 'nobody'),
      });`,
  });
  server = await serve(`${dir}/tools`);
});

afterAll(async () => {
  await server?.stop();
  await removeDir(dir);
});

async function call(name: string, args: Record<string, unknown>, headers: Record<string, string> = {}) {
  const response = await fetch(server.mcpUrl, {
    method: 'POST',
    headers: {
      'Content-Type': 'application/json',
      Accept: 'application/json, text/event-stream',
      'MCP-Protocol-Version': MODERN,
      'Mcp-Method': 'tools/call',
      'Mcp-Name': name,
      ...headers,
    },
    body: JSON.stringify({ jsonrpc: '2.0', id: 7, method: 'tools/call', params: { name, arguments: args, _meta: ENVELOPE } }),
  });
  const text = await response.text();
  const data = /^data: (.*)$/m.exec(text)?.[1] ?? text;
  return { status: response.status, body: JSON.parse(data) as { id?: unknown; result?: any; error?: any } };
}

const base64 = (s: string) => `=?base64?${Buffer.from(s).toString('base64')}?=`;

describe('Mcp-Param-* headers on 2026-07-28 tools/call', () => {
  it('lists the x-mcp-header declarations in the tool schemas', async () => {
    const modern = await connectModern(server.url, 'pin');
    try {
      const { tools } = await modern.client.listTools();
      const deploy = tools.find((t) => t.name === 'deploy')!;
      expect(deploy.inputSchema.properties).toMatchObject({
        region: { type: 'string', 'x-mcp-header': 'Region' },
        replicas: { type: 'integer', 'x-mcp-header': 'Replicas' },
        dryRun: { type: 'boolean', 'x-mcp-header': 'Dry-Run' },
      });
    } finally {
      await modern.close();
    }
  });

  it('serves the SDK v2 client, which mirrors the arguments into headers itself', async () => {
    const modern: ModernClient = await connectModern(server.url, 'pin');
    try {
      await modern.client.listTools();
      const result = await modern.client.callTool({ name: 'deploy', arguments: { region: 'eu-west-1', replicas: 3, dryRun: true } });
      expect(result.content).toEqual([{ type: 'text', text: 'eu-west-1 x3 (dry run)' }]);
    } finally {
      await modern.close();
    }
  });

  it('accepts headers that agree: literal, Base64-wrapped, numbers compared as numbers', async () => {
    const ok = [
      await call('deploy', { region: 'us-east-1' }, { 'Mcp-Param-Region': 'us-east-1' }),
      await call('deploy', { region: 'Zürich' }, { 'mcp-param-region': base64('Zürich') }),
      await call('deploy', { region: 'a', replicas: 42, dryRun: false }, { 'Mcp-Param-Region': 'a', 'Mcp-Param-Replicas': '42.0', 'Mcp-Param-Dry-Run': 'false' }),
      await call('route', { target: { tenant: 'acme' } }, { 'Mcp-Param-Tenant': 'acme' }),
      // An absent argument needs no header; one sent anyway is ignored.
      await call('deploy', { region: 'b' }, { 'Mcp-Param-Region': 'b', 'Mcp-Param-Replicas': '9' }),
      await call('route', {}),
    ];
    for (const { status, body } of ok) {
      expect(status).toBe(200);
      expect(body.result.isError).toBeFalsy();
    }
    expect(ok[1]!.body.result.content[0].text).toBe('Zürich x1');
    // Nor does a null one: the call gets past the headers to input validation, which refuses it.
    const nulled = await call('deploy', { region: 'b', replicas: null }, { 'Mcp-Param-Region': 'b' });
    expect(nulled.status).toBe(200);
    expect(nulled.body.result).toMatchObject({ isError: true, content: [{ text: expect.stringMatching(/replicas/) }] });
  });

  it.each([
    ['a missing header', { region: 'us-east-1' }, {}, 'Mcp-Param-Region', /header is missing/],
    ['a different value', { region: 'us-east-1' }, { 'Mcp-Param-Region': 'eu-west-1' }, 'Mcp-Param-Region', /says "eu-west-1"/],
    ['a value differing only in case', { region: 'us-east-1' }, { 'Mcp-Param-Region': 'US-EAST-1' }, 'Mcp-Param-Region', /says "US-EAST-1"/],
    ['bad Base64 padding', { region: 'Hello' }, { 'Mcp-Param-Region': '=?base64?SGVsbG8?=' }, 'Mcp-Param-Region', /not valid =\?base64/],
    ['non-alphabet Base64', { region: 'Hello' }, { 'Mcp-Param-Region': '=?base64?SGVs!!!bG8=?=' }, 'Mcp-Param-Region', /not valid =\?base64/],
    ['a different number', { region: 'a', replicas: 2 }, { 'Mcp-Param-Region': 'a', 'Mcp-Param-Replicas': '3' }, 'Mcp-Param-Replicas', /says "3"/],
    ['a nested property', { target: { tenant: 'acme' } }, { 'Mcp-Param-Tenant': 'other' }, 'Mcp-Param-Tenant', /target\.tenant="acme"/],
  ])('refuses %s with 400 and HeaderMismatch (-32020)', async (_what, args, headers, header, message) => {
    const name = 'target' in args ? 'route' : 'deploy';
    const { status, body } = await call(name, args, headers as Record<string, string>);
    expect(status).toBe(400);
    expect(body.id).toBe(7);
    expect(body.error.code).toBe(-32020);
    expect(body.error.message).toMatch(message);
    expect(body.error.data).toEqual({ mismatch: { header } });
  });

  it('treats a value without the whole =?base64?…?= wrapper as literal', async () => {
    const encoded = Buffer.from('Hello').toString('base64');
    for (const value of [encoded, `=?base64?${encoded}`]) {
      const { status, body } = await call('deploy', { region: value }, { 'Mcp-Param-Region': value });
      expect(status).toBe(200);
      expect(body.result.content[0].text).toBe(`${value} x1`);
    }
  });

  it('refuses to load a file whose declaration clients would drop, and says where', async () => {
    await writeFile(
      `${dir}/tools/bad.ts`,
      `import { z } from 'zod';
       import { defineTool } from 'mcp-sse';
       export default defineTool({ input: { size: z.number().meta({ 'x-mcp-header': 'Size' }) }, handler: () => 'x' });`,
    );
    const line = await server.waitFor(/bad\.ts.*x-mcp-header.*/);
    expect(line[0]).toMatch(/size: x-mcp-header is allowed only on string, integer or boolean properties, not "number"/);
  });
});
