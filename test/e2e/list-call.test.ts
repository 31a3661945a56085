import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runToEnd, serve, type ServeHandle } from '../helpers/cli.js';
import { freePort } from '../helpers/ports.js';
import { ADD_TOOL } from '../helpers/fixtures.js';
import { removeDir, tempDir } from '../helpers/temp.js';

const TOKEN = 'list-call-secret';
const AUTH = ['--header', `Authorization: Bearer ${TOKEN}`];

const FILES = {
  'tools/add.ts': ADD_TOOL,
  'tools/greet.ts': `import { z } from 'zod';
import { defineTool } from 'mcp-sse';
export default defineTool({
  description: 'Say hello',
  input: { name: z.string(), excited: z.boolean().optional() },
  handler: ({ name, excited }) => 'Hello, ' + name + (excited ? '!' : '.'),
});`,
  'tools/distance.ts': `import { z } from 'zod';
import { defineTool } from 'mcp-sse';
const point = z.object({ x: z.number(), y: z.number() });
export default defineTool({
  description: 'Distance between two points',
  input: { from: point, to: point },
  handler: ({ from, to }) => Math.hypot(to.x - from.x, to.y - from.y),
});`,
  'tools/fail.ts': `import { defineTool, ToolError } from 'mcp-sse';
export default defineTool({ description: 'Always fails', handler: () => { throw new ToolError('the disk is full'); } });`,
  'tools/notes.ts': `import { z } from 'zod';
import { defineResource, definePrompt } from 'mcp-sse';
export const notes = defineResource({ uri: 'notes://today', name: 'today', mimeType: 'text/plain', description: 'Notes of the day', read: () => 'none' });
export const summarize = definePrompt({ description: 'Summarize a text', args: { text: z.string(), style: z.string().optional() }, get: ({ text }) => text });`,
};

let project: string;
let server: ServeHandle;

beforeAll(async () => {
  project = await tempDir(FILES);
  // Served from the project folder, so its `.mcp-sse/servers/<pid>.json` lands there.
  server = await serve('tools', ['--auth-token', TOKEN, '--no-watch'], { cwd: project });
});

afterAll(async () => {
  await server?.stop();
  await removeDir(project);
});

const cli = (args: string[], cwd?: string) => runToEnd(args, { cwd: cwd ?? project });

describe.each([
  ['sse', () => server.sseUrl],
  ['http', () => server.mcpUrl],
] as const)('list and call over %s', (_transport, url) => {
  it('list prints the tools as a table', async () => {
    const { code, output } = await cli(['list', url(), ...AUTH]);
    expect(code, output).toBe(0);
    const lines = output.trim().split('\n');
    expect(lines[0]).toMatch(/^NAME\s+ARGUMENTS\s+DESCRIPTION$/);
    expect(lines[1]).toMatch(/^-+\s+-+\s+-+$/);
    expect(lines.slice(2).map((l) => l.split(/\s{2,}/))).toEqual([
      ['add', 'a, b', 'Add two numbers'],
      ['distance', 'from, to', 'Distance between two points'],
      ['fail', 'Always fails'],
      ['greet', 'name, excited?', 'Say hello'],
    ]);
  });

  it('list --json prints tools, resources and prompts as JSON', async () => {
    const { code, output } = await cli(['list', url(), '--json', '--tools', '--resources', '--prompts', ...AUTH]);
    expect(code, output).toBe(0);
    const listing = JSON.parse(output);
    expect(listing.tools.map((t: { name: string }) => t.name)).toEqual(['add', 'distance', 'fail', 'greet']);
    expect(listing.tools[0].inputSchema.required).toEqual(['a', 'b']);
    expect(listing.resources).toEqual([expect.objectContaining({ uri: 'notes://today', name: 'today', mimeType: 'text/plain' })]);
    expect(listing.resourceTemplates).toEqual([]);
    expect(listing.prompts).toEqual([expect.objectContaining({ name: 'summarize' })]);
  });

  it('list --resources --prompts prints one titled table each', async () => {
    const { code, output } = await cli(['list', url(), '--resources', '--prompts', ...AUTH]);
    expect(code, output).toBe(0);
    expect(output).not.toContain('Tools');
    expect(output).toMatch(/Resources\nURI\s+NAME\s+MIME\s+DESCRIPTION\n-+.*\nnotes:\/\/today\s+today\s+text\/plain\s+Notes of the day\n/);
    expect(output).toMatch(/Prompts\nNAME\s+ARGUMENTS\s+DESCRIPTION\n-+.*\nsummarize\s+text, style\?\s+Summarize a text/);
  });

  it('call parses key=value as JSON where it parses and prints the result', async () => {
    const { code, output } = await cli(['call', url(), 'add', 'a=2', 'b=3.5', ...AUTH]);
    expect(code, output).toBe(0);
    expect(output.trim()).toBe('{"sum":5.5}');
  });

  it('call keeps a value that the tool declares a string as a string', async () => {
    const { code, output } = await cli(['call', url(), 'greet', 'name=42', 'excited=true', ...AUTH]);
    expect(code, output).toBe(0);
    expect(output.trim()).toBe('Hello, 42!');
  });

  it('call --args takes nested input, and --json prints the whole result', async () => {
    const { code, output } = await cli(['call', url(), 'distance', '--args', '{"from":{"x":0,"y":0},"to":{"x":3,"y":4}}', '--json', ...AUTH]);
    expect(code, output).toBe(0);
    expect(JSON.parse(output)).toEqual({ content: [{ type: 'text', text: '5' }] });
  });

  it('call exits 1 on an isError result and prints its message', async () => {
    const { code, output } = await cli(['call', url(), 'fail', ...AUTH]);
    expect(code).toBe(1);
    expect(output.trim()).toBe('the disk is full');
    const json = await cli(['call', url(), 'fail', '--json', ...AUTH]);
    expect(json.code).toBe(1);
    expect(JSON.parse(json.output)).toMatchObject({ isError: true, content: [{ type: 'text', text: 'the disk is full' }] });
  });

  it('call exits 1 with one line for an unknown tool', async () => {
    const { code, output } = await cli(['call', url(), 'nope', ...AUTH]);
    expect(code).toBe(1);
    expect(output.trim()).toBe('error: unknown tool "nope" (the server has: add, distance, fail, greet)');
  });

  it('a missing Authorization header is one clear line, exit 1', async () => {
    const { code, output } = await cli(['list', url()]);
    expect(code).toBe(1);
    expect(output.trim().split('\n')).toHaveLength(1);
    expect(output).toMatch(/^error: cannot connect to .*: 401 Unauthorized \(pass --header "Authorization: Bearer <token>"\)/);
  });
});

describe('choosing the server and the transport', () => {
  it('without a URL uses the server `serve` runs from this folder (.mcp-sse/servers/<pid>.json)', async () => {
    const state = path.join(project, `.mcp-sse/servers/${server.child.pid}.json`);
    expect(existsSync(state)).toBe(true);
    const { code, output } = await cli(['call', 'add', 'a=1', 'b=1', ...AUTH]);
    expect(code, output).toBe(0);
    expect(output.trim()).toBe('{"sum":2}');
  });

  it('a bare server URL takes --transport http to /mcp', async () => {
    const { code, output } = await cli(['list', server.url, '--transport', 'http', '--json', ...AUTH]);
    expect(code, output).toBe(0);
    expect(JSON.parse(output).tools).toHaveLength(4);
  });

  it('outside a served folder, without a URL, it tries http://127.0.0.1:8000 and says so', async () => {
    const elsewhere = await tempDir();
    try {
      const { code, output } = await cli(['list'], elsewhere);
      expect(code).toBe(1);
      // Port 8000 may be taken by something else on a shared machine; the URL is what matters.
      expect(output.trim().split('\n')).toHaveLength(1);
      expect(output).toMatch(/^error: cannot connect to http:\/\/127\.0\.0\.1:8000\/sse \(SSE\): /);
    } finally {
      await removeDir(elsewhere);
    }
  });

  it('a server that is not there is one line, exit 1', async () => {
    const port = await freePort();
    const { code, output } = await cli(['call', `http://127.0.0.1:${port}/mcp`, 'add', 'a=1']);
    expect(code).toBe(1);
    expect(output.trim()).toBe(`error: cannot connect to http://127.0.0.1:${port}/mcp (Streamable HTTP): nothing is listening there (is \`mcp-sse serve\` running?)`);
  });

  it.each([
    [['call'], /^error: missing <tool>: which tool to call/m],
    [['call', 'http://127.0.0.1:9/mcp'], /missing <tool>/],
    [['call', 'add', 'a'], /expected key=value, got "a"/],
    [['call', 'add', '--args', '{oops'], /--args is not valid JSON/],
    [['call', 'add', '--args', '[1]'], /--args must be a JSON object/],
    [['list', '--transport', 'ws'], /--transport must be sse or http/],
    [['list', 'ftp://example'], /not an http\(s\) URL/],
    [['list', '--header', 'no colon'], /--header must look like 'Name: value'/],
  ])('usage error %j exits 2', async (args, message) => {
    const { code, output } = await cli(args as string[]);
    expect(code).toBe(2);
    expect(output).toMatch(message);
  });
});
