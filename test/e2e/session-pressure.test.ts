import { afterEach, describe, expect, it } from 'vitest';
import { runToEnd, serve, type ServeHandle } from '../helpers/cli.js';
import { connect, type ConnectedClient } from '../helpers/clients.js';
import { rawRequest } from '../helpers/raw-http.js';
import { removeDir, tempDir } from '../helpers/temp.js';

const TOOL = `
  import { defineTool } from 'mcp-sse';
  export default defineTool({ description: 'x', handler: () => 'x' });`;
const JSON_HEADERS = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
const INIT = JSON.stringify({ jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } } });

let dir: string | undefined;
let server: ServeHandle | undefined;
const clients: ConnectedClient[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  await server?.stop();
  if (dir) await removeDir(dir);
  server = dir = undefined;
});

describe('--max-sessions under a flood of bare initializes', () => {
  it('evicts sessions never used past initialize, so a real client still gets in', async () => {
    dir = await tempDir({ 'tools/a.ts': TOOL });
    server = await serve(`${dir}/tools`, ['--no-watch', '--max-sessions', '10']);
    for (let i = 0; i < 30; i++) {
      const res = await rawRequest(server.mcpUrl, { method: 'POST', headers: JSON_HEADERS, body: INIT });
      expect(res.status).toBe(200);
    }
    const c = await connect(server.url, 'http');
    clients.push(c);
    expect((await c.client.callTool({ name: 'a' })).content).toEqual([{ type: 'text', text: 'x' }]);
  });

  it('answers 503 with Retry-After when every session is in use; --max-sessions-per-client caps one client', async () => {
    dir = await tempDir({ 'tools/a.ts': TOOL });
    server = await serve(`${dir}/tools`, ['--no-watch', '--max-sessions', '10', '--max-sessions-per-client', '2']);
    for (let i = 0; i < 2; i++) {
      const c = await connect(server.url, 'http');
      clients.push(c);
      await c.client.listTools();
    }
    const res = await rawRequest(server.mcpUrl, { method: 'POST', headers: JSON_HEADERS, body: INIT });
    expect(res.status).toBe(503);
    expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
    expect(res.json.error.message).toMatch(/--max-sessions-per-client/);
  });

  it('serve --help shows --max-sessions-per-client', async () => {
    const { output } = await runToEnd(['serve', '--help']);
    expect(output.replace(/\n\s+/g, ' ')).toMatch(/--max-sessions-per-client <n>.*\(default: 0\)/);
  });
});
