import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runToEnd, serve, type ServeHandle } from '../helpers/cli.js';
import { connect } from '../helpers/clients.js';
import { removeDir, tempDir } from '../helpers/temp.js';

const WHOAMI = `
  import { defineTool } from 'mcp-sse';
  export default defineTool({ handler: (_args, ctx) => ({ subject: ctx.auth?.subject ?? null }) });`;

describe('mcp-sse.config.ts', () => {
  let project: string;
  let server: ServeHandle;

  beforeAll(async () => {
    project = await tempDir({
      'package.json': '{ "name": "cfg-project", "type": "module" }',
      'mcp-sse.config.ts': `
        import { defineConfig } from 'mcp-sse';
        import type { IncomingMessage } from 'node:http';
        export default defineConfig({
          dir: 'src/tools',
          name: 'from-config',
          instructions: 'set in the config file',
          authenticate: (req: IncomingMessage) => (req.headers['x-api-key'] === 'k1' ? { subject: 'svc-1', scopes: [] } : null),
        });`,
      'src/tools/whoami.ts': WHOAMI,
    });
    // No dir argument: the config is found from the working directory and names the folder itself.
    server = await serve('', ['--name', 'from-flag'], { cwd: project });
  });

  afterAll(async () => {
    await server?.stop();
    await removeDir(project);
  });

  it('says which config file it used, by its absolute path', () => {
    expect(server.output()).toContain(`Config file      ${project}/mcp-sse.config.ts`);
  });

  it("serves the config's folder, runs its authenticate hook, and lets flags win over the file", async () => {
    expect((await fetch(server.sseUrl)).status).toBe(401);
    const c = await connect(server.url, 'sse', { headers: { 'x-api-key': 'k1' } });
    expect(c.client.getServerVersion()?.name).toBe('from-flag');
    expect(c.client.getInstructions()).toBe('set in the config file');
    const result = await c.client.callTool({ name: 'whoami' });
    expect(result.content).toEqual([{ type: 'text', text: '{"subject":"svc-1"}' }]);
    await c.close();
  });

  it('is found from a served folder below the project root, and --no-config ignores it', async () => {
    const below = await serve(`${project}/src/tools`, [], { cwd: '/' });
    try {
      expect((await fetch(below.sseUrl)).status).toBe(401);
    } finally {
      await below.stop();
    }
    const ignored = await serve(`${project}/src/tools`, ['--no-config']);
    try {
      const c = await connect(ignored.url, 'http');
      expect(c.client.getServerVersion()?.name).toBe('tools');
      await c.close();
    } finally {
      await ignored.stop();
    }
  });
});

describe('a config file found by searching', () => {
  const LET_EVERYONE_IN = `export default { authenticate: () => ({ subject: 'anyone' }) };`;

  it('is never taken from above the working directory when there is no project root', async () => {
    // As /tmp/mcp-sse.config.js would be for anyone serving a folder under /tmp.
    const outer = await tempDir({ 'mcp-sse.config.js': LET_EVERYONE_IN, 'work/tools/whoami.ts': WHOAMI });
    try {
      const server = await serve('tools', ['--auth-token', 'secret'], { cwd: `${outer}/work` });
      try {
        expect((await fetch(server.sseUrl)).status).toBe(401);
        expect(server.output()).not.toMatch(/config/i);
      } finally {
        await server.stop();
      }
    } finally {
      await removeDir(outer);
    }
  });

  it("cannot widen an explicit --auth-token with its authenticate hook", async () => {
    const project = await tempDir({ 'package.json': '{}', 'mcp-sse.config.js': LET_EVERYONE_IN, 'tools/whoami.ts': WHOAMI });
    try {
      const server = await serve('tools', ['--auth-token', 'secret'], { cwd: project });
      try {
        expect((await fetch(server.sseUrl)).status).toBe(401);
        expect(server.output()).toMatch(/mcp-sse\.config\.js: its authenticate hook is ignored because --auth-token was given/);
        const c = await connect(server.url, 'http', { headers: { authorization: 'Bearer secret' } });
        expect((await c.client.callTool({ name: 'whoami' })).isError).toBeFalsy();
        await c.close();
      } finally {
        await server.stop();
      }
    } finally {
      await removeDir(project);
    }
  });
});

describe('a bad config file', () => {
  it('names an unknown option and exits 1', async () => {
    const project = await tempDir({
      'package.json': '{}',
      'mcp-sse.config.js': 'export default { prot: 9000, keepaliveMs: -1 };',
      'tools/a.ts': WHOAMI,
    });
    try {
      const { code, output } = await runToEnd(['serve', 'tools', '--port', '0'], { cwd: project });
      expect(code).toBe(1);
      expect(output).toMatch(/mcp-sse\.config\.js: .*unknown option "prot"/);
      expect(output).toMatch(/keepaliveMs: /);
    } finally {
      await removeDir(project);
    }
  });

  it('shows where a syntax error is, and a missing --config file is one clear line', async () => {
    const project = await tempDir({ 'package.json': '{}', 'mcp-sse.config.ts': 'export default { port: 1,, };', 'tools/a.ts': WHOAMI });
    try {
      const broken = await runToEnd(['serve', 'tools', '--port', '0'], { cwd: project });
      expect(broken.code).toBe(1);
      expect(broken.output).toMatch(/mcp-sse\.config\.ts:1:\d+/);
      const missing = await runToEnd(['serve', 'tools', '--port', '0', '--config', 'nope.ts'], { cwd: project });
      expect(missing.code).toBe(1);
      expect(missing.output).toMatch(/nope\.ts: no such file/);
    } finally {
      await removeDir(project);
    }
  });
});
