import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, serve, type ServeHandle } from '../helpers/cli.js';
import { removeDir, tempDir } from '../helpers/temp.js';

const INSPECTOR = ['-y', '-p', 'node@24', '-p', '@modelcontextprotocol/inspector@2.12.0', '--', 'mcp-inspector', '--cli'];
const SERVER_INFO_KEY = 'io.modelcontextprotocol/serverInfo';

let server: ServeHandle;
let home: string;

beforeAll(async () => {
  server = await serve(`${ROOT}/examples/basic`);
  home = await tempDir();
});

afterAll(async () => {
  await server?.stop();
  await removeDir(home);
});

function inspector(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn('npx', [...INSPECTOR, ...args], { env: { ...process.env, HOME: home }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code, stdout, stderr })));
}

describe('MCP Inspector CLI on /mcp', () => {
  it.each(['modern', 'legacy'])('in the %s protocol era lists and calls the example tools', async (era) => {
    const url = `${server.url}/mcp`;
    const list = await inspector([url, '--protocol-era', era, '--method', 'tools/list']);
    expect(list.code, list.stderr).toBe(0);
    expect(JSON.parse(list.stdout).tools.map((t: { name: string }) => t.name)).toEqual(expect.arrayContaining(['add', 'greet']));

    const call = await inspector([url, '--protocol-era', era, '--method', 'tools/call', '--tool-name', 'add', '--tool-arg', 'a=2', '--tool-arg', 'b=3']);
    expect(call.code, call.stderr).toBe(0);
    const result = JSON.parse(call.stdout);
    expect(result.structuredContent).toEqual({ sum: 5 });
    // Only a 2026-07-28 answer names the server in every result's _meta: proof of the era served.
    expect(Boolean(result._meta?.[SERVER_INFO_KEY])).toBe(era === 'modern');
  }, 240_000);
});
