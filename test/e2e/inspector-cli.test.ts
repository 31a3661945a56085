import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, serve, type ServeHandle } from '../helpers/cli.js';
import { inspectorMessages, runInspectorCli } from '../helpers/inspector.js';

// The official MCP Inspector CLI against the bundled example folder, as a user would run it.
let server: ServeHandle;

beforeAll(async () => {
  server = await serve(`${ROOT}/examples/basic`);
});

afterAll(async () => {
  await server?.stop();
});

describe('MCP Inspector CLI against examples/basic', () => {
  it.each(['/sse', '/mcp'])('lists the tools over %s', async (path) => {
    const { code, stdout, stderr } = await runInspectorCli([`${server.url}${path}`, '--method', 'tools/list']);
    expect(code, stderr).toBe(0);
    const { tools } = JSON.parse(stdout);
    expect(tools.map((t: { name: string }) => t.name).sort()).toEqual(['add', 'greet']);
    expect(tools.find((t: { name: string }) => t.name === 'add').inputSchema.required).toEqual(['a', 'b']);
  }, 180_000);

  it('calls a tool with arguments and gets the structured result', async () => {
    const { code, stdout, stderr } = await runInspectorCli([
      server.sseUrl,
      '--method', 'tools/call', '--tool-name', 'add', '--tool-arg', 'a=2', '--tool-arg', 'b=3',
    ]);
    expect(code, stderr).toBe(0);
    const result = JSON.parse(stdout);
    expect(result.isError).toBeFalsy();
    expect(result.structuredContent).toEqual({ sum: 5 });
    expect(result.content[0].text).toBe('{"sum":5}');
  }, 180_000);

  it('finds no schema portability problem with --strict', async () => {
    const { code, stdout, stderr } = await runInspectorCli([server.sseUrl, '--method', 'tools/list', '--strict', '--format', 'json']);
    expect(code, stderr).toBe(0);
    const envelope = JSON.parse(stdout);
    expect(envelope.result.tools).toHaveLength(2);
    // Findings (warnings included) would be listed here and reported on stderr.
    expect(envelope.schemaFindings).toBeUndefined();
    expect(inspectorMessages(stderr)).not.toMatch(/Warning:|Error:|portability/);
  }, 180_000);
});
