import { mkdir, symlink } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { serve, type ServeHandle } from '../helpers/cli.js';
import { connect } from '../helpers/clients.js';
import { health } from '../helpers/health.js';
import { eventually } from '../helpers/hot-reload.js';
import { removeDir, tempDir, writeFiles } from '../helpers/temp.js';

const tool = (result: string) => `
  import { defineTool } from 'mcp-sse';
  export default defineTool({ description: 'x', handler: () => '${result}' });`;

let dir: string | undefined;
let server: ServeHandle | undefined;
afterEach(async () => {
  await server?.stop('SIGKILL');
  if (dir) await removeDir(dir);
  server = dir = undefined;
});

/** A folder with two links to itself (`ln -s . l1; ln -s . l2`) and a link to a subfolder. */
async function loopedFolder(): Promise<string> {
  const root = await tempDir({ 'tools/a.ts': tool('a'), 'tools/sub/b.ts': tool('b') });
  const tools = path.join(root, 'tools');
  await symlink('.', path.join(tools, 'l1'));
  await symlink('.', path.join(tools, 'l2'));
  await symlink('sub', path.join(tools, 'also_sub'));
  return root;
}

describe('symlink loops in the served folder', () => {
  it('are skipped at start with one warning; a linked folder inside is served once', async () => {
    dir = await loopedFolder();
    server = await serve(path.join(dir, 'tools'), [], {});
    const h = await health(server.url);
    expect(h.tools).toBe(2);
    const c = await connect(server.url, 'http');
    const names = (await c.client.listTools()).tools.map((t) => t.name).sort();
    expect(names).toEqual(['a', 'sub_b']); // at its own path, not also_sub_b
    await c.close();
    const warnings = server.output().match(/symlink loop/g) ?? [];
    expect(warnings.length).toBe(2); // one per looping link, l1 and l2
    const { code } = await server.stop('SIGTERM');
    expect(code).toBe(0);
  });

  it('made while watching: memory stays bounded, /healthz answers, SIGTERM exits', async () => {
    dir = await tempDir({ 'tools/a.ts': tool('a') });
    const tools = path.join(dir, 'tools');
    server = await serve(tools);
    const before = (await health(server.url)).memory.rss;
    const from = server.output().length;
    await symlink('.', path.join(tools, 'l1'));
    await symlink('.', path.join(tools, 'l2'));
    await mkdir(path.join(tools, 'deep'));
    await writeFiles(tools, { 'deep/c.ts': tool('c') });
    await eventually(async () => (await health(server!.url)).tools === 2, { what: 'deep/c.ts served' });
    await server.waitFor(/symlink loop/, { from });
    for (let i = 0; i < 10; i++) {
      const started = Date.now();
      const h = await health(server.url);
      expect(Date.now() - started).toBeLessThan(1000);
      expect(h.memory.rss).toBeLessThan(before + 150);
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(server.output().slice(from).match(/symlink loop/g)?.length).toBe(2);
    const { code } = await server.stop('SIGTERM');
    expect(code).toBe(0);
  }, 30_000);
});
