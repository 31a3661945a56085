import { rm } from 'node:fs/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { serve, type ServeHandle } from '../helpers/cli.js';
import { eventually } from '../helpers/hot-reload.js';
import { rawRequest } from '../helpers/raw-http.js';
import { removeDir, tempDir } from '../helpers/temp.js';

const TOOL = `
  import { defineTool } from 'mcp-sse';
  export default defineTool({ description: 'x', handler: () => 'x' });`;
const BROKEN = `import { defineTool } from 'mcp-sse';\nexport default defineTool({ handler: () => 'x' ;`;

let dir: string | undefined;
let server: ServeHandle | undefined;
afterEach(async () => {
  await server?.stop();
  if (dir) await removeDir(dir);
  server = dir = undefined;
});

describe('/healthz and /readyz', () => {
  it('obey the Host check (DNS rebinding)', async () => {
    dir = await tempDir({ 'tools/a.ts': TOOL });
    server = await serve(`${dir}/tools`, ['--no-watch']);
    for (const path of ['/healthz', '/readyz']) {
      const res = await rawRequest(`${server.url}${path}`, { headers: { host: 'evil.com' } });
      expect(res.status).toBe(403);
      expect(res.body).not.toMatch(/tools|memory/);
      expect((await rawRequest(`${server.url}${path}`)).status).toBe(200);
    }
  });

  it('with auth on, show the details (errors, paths, memory) only to an authenticated caller', async () => {
    dir = await tempDir({ 'tools/a.ts': TOOL, 'tools/broken.ts': BROKEN });
    server = await serve(`${dir}/tools`, ['--no-watch', '--auth-token', 'sekrit']);
    const anonymous = await rawRequest(`${server.url}/healthz`);
    expect(anonymous.status).toBe(200);
    expect(anonymous.json.status).toBe('degraded');
    expect(anonymous.json.tools).toBe(1);
    expect(anonymous.body).not.toContain(dir);
    expect(anonymous.json.memory).toBeUndefined();
    expect(anonymous.json.errors).toBeUndefined();
    const authed = await rawRequest(`${server.url}/healthz`, { headers: { authorization: 'Bearer sekrit' } });
    expect(authed.json.errors[0].file).toContain('broken.ts');
    expect(authed.json.memory.rss).toBeGreaterThan(0);
  });

  it('say degraded, and why, when the served folder is deleted', async () => {
    dir = await tempDir({ 'tools/a.ts': TOOL });
    server = await serve(`${dir}/tools`);
    await rm(`${dir}/tools`, { recursive: true, force: true });
    await eventually(async () => (await rawRequest(`${server!.url}/healthz`)).json.status === 'degraded', { what: 'degraded' });
    const h = (await rawRequest(`${server.url}/healthz`)).json;
    expect(h.problems.join(' ')).toMatch(/served folder .* (is gone|does not exist)/);
  });
});

describe('a throwing authenticate hook', () => {
  it('is logged and answered with a generic 401, echoing nothing', async () => {
    dir = await tempDir({
      'package.json': '{ "name": "hook-project", "type": "module" }',
      'mcp-sse.config.js': `export default { authenticate: () => { throw new Error('db password is hunter2'); } };`,
      'tools/a.ts': TOOL,
    });
    server = await serve('tools', ['--no-watch'], { cwd: dir });
    const res = await rawRequest(server.sseUrl, { headers: { accept: 'text/event-stream' } });
    expect(res.status).toBe(401);
    expect(res.body).not.toContain('hunter2');
    expect(String(res.headers['www-authenticate'])).not.toContain('hunter2');
    await server.waitFor(/authenticate hook threw.*hunter2/);
  });
});
