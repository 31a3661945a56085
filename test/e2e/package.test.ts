import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, serve, type ServeHandle } from '../helpers/cli.js';
import { connect, TRANSPORTS } from '../helpers/clients.js';
import { listFiles } from '../helpers/files.js';
import { installOffline } from '../helpers/offline-install.js';
import { packedTarball } from '../helpers/pack.js';
import { removeDir, tempDir } from '../helpers/temp.js';

const run = promisify(execFile);

// Issue #2, packaging: the tarball `npm pack` makes installs offline into an empty folder and its
// bin serves a tools folder that has no package.json of its own.
describe('the packed package', () => {
  let tarball: string;
  let consumer: string;
  let tools: string;

  beforeAll(async () => {
    tarball = await packedTarball();
    consumer = await tempDir({ 'package.json': JSON.stringify({ name: 'consumer', version: '1.0.0', private: true }) });
    await installOffline(consumer, tarball);
    tools = await tempDir({
      'add.ts': `import { z } from 'zod';
import { defineTool } from 'mcp-sse';
import { double } from './_double.js';
export default defineTool({
  description: 'Add two numbers, then double',
  input: { a: z.number(), b: z.number() },
  handler: ({ a, b }) => String(double(a + b)),
});
`,
      '_double.ts': 'export const double = (n: number) => n * 2;\n',
      'hello.js': `import { defineTool } from 'mcp-sse';
export default defineTool({ description: 'Say hello', handler: () => 'hello' });
`,
    });
  }, 300_000);

  afterAll(async () => {
    await removeDir(consumer);
    await removeDir(tools);
  });

  it('holds the built code, the bin and the templates, and no sources or tests', async () => {
    const { stdout } = await run('tar', ['-tzf', tarball]);
    const entries = stdout.split('\n').filter(Boolean).map((e) => e.replace(/^package\//, ''));
    expect(entries).toEqual(expect.arrayContaining(['package.json', 'README.md', 'bin/mcp-sse.js', 'dist/cli/main.js', 'dist/index.js', 'dist/index.d.ts', 'dist/testing.js']));
    expect(entries.filter((e) => e.startsWith('src/') || e.startsWith('test/'))).toEqual([]);
    // No sources shipped, so no source maps that would point at them (#21).
    expect(entries).toContain('LICENSE');
    expect(entries.filter((e) => e.endsWith('.map'))).toEqual([]);
    // Every template file ships, `_gitignore` included (npm would have dropped a `.gitignore`).
    const installed = await listFiles(path.join(consumer, 'node_modules/mcp-sse/templates'));
    expect(installed).toEqual(await listFiles(path.join(ROOT, 'templates')));
    expect(installed).toContain('ts/_gitignore');
  });

  it('has a license file, links for the registry page, and built code with no source-map comments', async () => {
    const installed = path.join(consumer, 'node_modules/mcp-sse');
    expect(await readFile(path.join(installed, 'LICENSE'), 'utf8')).toMatch(/^MIT License\n\nCopyright \(c\) 2026 mcp-sse contributors\n/);
    const manifest = JSON.parse(await readFile(path.join(installed, 'package.json'), 'utf8'));
    expect(manifest).toMatchObject({
      license: 'MIT',
      repository: { type: 'git', url: 'git+https://github.com/mcp-sse/mcp-sse.git' },
      homepage: 'https://github.com/mcp-sse/mcp-sse#readme',
      bugs: { url: 'https://github.com/mcp-sse/mcp-sse/issues' },
    });
    for (const file of ['dist/index.js', 'dist/cli/main.js', 'dist/files/loader.js']) {
      expect(await readFile(path.join(installed, file), 'utf8')).not.toMatch(/sourceMappingURL/);
    }
  });

  it('installs without any devDependency', () => {
    expect(existsSync(path.join(consumer, 'node_modules/mcp-sse/dist/cli/main.js'))).toBe(true);
    for (const dev of ['typescript', 'vitest', '@types/node']) expect(existsSync(path.join(consumer, 'node_modules', dev))).toBe(false);
  });

  describe('its bin serves a folder with no package.json', () => {
    let server: ServeHandle;
    beforeAll(async () => {
      server = await serve(tools, [], { bin: path.join(consumer, 'node_modules/.bin/mcp-sse') });
    });
    afterAll(() => server?.stop());

    it.each(TRANSPORTS)('over %s', async (transport) => {
      const { client, close } = await connect(server.url, transport);
      try {
        const { tools: listed } = await client.listTools();
        expect(listed.map((t) => t.name).sort()).toEqual(['add', 'hello']);
        const result = await client.callTool({ name: 'add', arguments: { a: 2, b: 3 } });
        expect(result.content).toEqual([{ type: 'text', text: '10' }]);
      } finally {
        await close();
      }
    });

    it('loaded every file without errors', () => {
      expect(server.output()).not.toMatch(/error/i);
    });
  });
});
