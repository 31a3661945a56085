import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serve, type ServeHandle } from '../helpers/cli.js';
import { connect, type ConnectedClient } from '../helpers/clients.js';
import { callText, countSince, makeBarrier, reloadLine, TOOLS_CHANGED, toolSource } from '../helpers/hot-reload.js';
import { removeDir, tempDir, writeFiles } from '../helpers/temp.js';

// How files change on disk in real life: editors, git, file managers, rm -rf. One server, one
// SDK client per transport, connected before anything changes.
let dir: string;
let tools: string;
let server: ServeHandle;
let clients: ConnectedClient[];
const barrier = makeBarrier(() => tools, () => clients);

beforeAll(async () => {
  dir = await tempDir({
    'tools/barrier.ts': toolSource({ description: 'barrier 0', result: "'barrier'" }),
    'tools/saved.ts': toolSource({ description: 'saved v1', result: "'saved v1'" }),
    'tools/a/nomad.ts': toolSource({ description: 'moves around', result: "'nomad'" }),
    'tools/a/pinned.ts': toolSource({ name: 'pinned', description: 'keeps its name', result: "'pinned'" }),
    'tools/doomed/one.ts': toolSource({ description: 'one', result: "'one'" }),
    'tools/doomed/two.ts': toolSource({ description: 'two', result: "'two'" }),
    'tools/doomed/deeper/three.ts': toolSource({ description: 'three', result: "'three'" }),
    'tools/shared_user.ts': toolSource({ description: 'uses ../lib', imports: "import { shout } from '../lib/shout.js';", result: "shout('hi')" }),
    'lib/shout.ts': `export const shout = (s: string) => s.toUpperCase();`,
  });
  tools = path.join(dir, 'tools');
  server = await serve(tools);

  clients = [await connect(server.url, 'sse'), await connect(server.url, 'http')];
  await Promise.all(clients.map((c) => c.streamReady));
});

afterAll(async () => {
  await Promise.all((clients ?? []).map((c) => c.close()));
  await server?.stop();
  await removeDir(dir);
});

const marks = () => clients.map((c) => c.notifications.length);
const names = async (c: ConnectedClient) => (await c.client.listTools()).tools.map((t) => t.name).sort();
const description = async (c: ConnectedClient, name: string) => (await c.client.listTools()).tools.find((t) => t.name === name)?.description;
const health = async () => (await (await fetch(`${server.url}/healthz`)).json()) as { status: string; tools: number; errors: Array<Record<string, unknown>> };

describe('hot reload follows the file system', () => {
  it('an editor that writes a temp file and renames it over the original: one change, no gap', async () => {
    const since = marks();
    const from = server.output().length;
    const temp = path.join(tools, 'saved.ts.tmp-1234');
    await writeFile(temp, toolSource({ description: 'saved v2', result: "'saved v2'" }));
    await rename(temp, path.join(tools, 'saved.ts'));
    await Promise.all(clients.map((c, i) => c.nextNotification(TOOLS_CHANGED, { since: since[i] })));
    for (const c of clients) {
      expect(await description(c, 'saved')).toBe('saved v2');
      expect(await callText(c, 'saved')).toBe('saved v2');
    }
    await barrier();
    clients.forEach((c, i) => expect(countSince(c, TOOLS_CHANGED, since[i]!)).toBe(2));
    expect(server.output().slice(from)).not.toMatch(/-saved|error/);
  });

  it('a new file that appears empty and is written a moment later', async () => {
    const from = server.output().length;
    const since = marks();
    const file = path.join(tools, 'late.ts');
    await writeFile(file, '');
    await reloadLine(server, from, 'late.ts');
    await writeFile(file, toolSource({ description: 'late', result: "'late'" }));
    await Promise.all(clients.map((c, i) => c.nextNotification(TOOLS_CHANGED, { since: since[i] })));
    for (const c of clients) expect(await callText(c, 'late')).toBe('late');
    expect(server.output().slice(from)).not.toMatch(/error/);
  });

  it('an existing file written in two parts (truncated, then complete): the old version serves until the new one is whole', async () => {
    const since = marks();
    const from = server.output().length;
    const file = path.join(tools, 'saved.ts');
    const full = toolSource({ description: 'saved v3', result: "'saved v3'" });
    await writeFile(file, full.slice(0, full.length / 2));
    await new Promise((resolve) => setTimeout(resolve, 40)); // a slow writer, not an await on the server
    await writeFile(file, full);
    await Promise.all(clients.map((c, i) => c.nextNotification(TOOLS_CHANGED, { since: since[i] })));
    for (const c of clients) expect(await callText(c, 'saved')).toBe('saved v3');
    await barrier();
    // The half file never reached clients: one change for the edit, one for the barrier.
    clients.forEach((c, i) => expect(countSince(c, TOOLS_CHANGED, since[i]!)).toBe(2));
    expect(server.output().slice(from)).not.toMatch(/error/);
  });

  it('a file moved to another subfolder: renamed by its new path; an explicitly named one stays as it is', async () => {
    const since = marks();
    const from = server.output().length;
    await mkdir(path.join(tools, 'b'));
    await rename(path.join(tools, 'a/nomad.ts'), path.join(tools, 'b/nomad.ts'));
    await rename(path.join(tools, 'a/pinned.ts'), path.join(tools, 'b/pinned.ts'));
    await Promise.all(clients.map((c, i) => c.nextNotification(TOOLS_CHANGED, { since: since[i] })));
    for (const c of clients) {
      const listed = await names(c);
      expect(listed).toContain('b_nomad');
      expect(listed).not.toContain('a_nomad');
      expect(listed).toContain('pinned');
      expect(await callText(c, 'pinned')).toBe('pinned');
    }
    await barrier();
    clients.forEach((c, i) => expect(countSince(c, TOOLS_CHANGED, since[i]!)).toBe(2));
    expect(server.output().slice(from)).not.toMatch(/error|already defined/);
  });

  it('a deleted subfolder: its tools disappear in one change', async () => {
    const since = marks();
    await rm(path.join(tools, 'doomed'), { recursive: true });
    await Promise.all(clients.map((c, i) => c.nextNotification(TOOLS_CHANGED, { since: since[i] })));
    for (const c of clients) expect((await names(c)).filter((n) => n.startsWith('doomed_'))).toEqual([]);
    await barrier();
    clients.forEach((c, i) => expect(countSince(c, TOOLS_CHANGED, since[i]!)).toBe(2));
  });

  it('a helper outside the served folder: editing it reloads its importer', async () => {
    for (const c of clients) expect(await callText(c, 'shared_user')).toBe('HI');
    const from = server.output().length;
    await writeFile(path.join(dir, 'lib/shout.ts'), `export const shout = (s: string) => s.toUpperCase() + '!';`);
    await reloadLine(server, from, 'shared_user.ts');
    for (const c of clients) expect(await callText(c, 'shared_user')).toBe('HI!');
  });

  it('a file that failed for a name its helper did not export yet recovers when the helper gains it, quietly until then', async () => {
    const from = server.output().length;
    await writeFiles(tools, {
      '_names.ts': `export const other = 1;\n`,
      'wants_name.ts': toolSource({ description: 'needs greeting', imports: "import { greeting } from './_names.js';", result: 'greeting' }),
    });
    await server.waitFor(/wants_name\.ts:\d+:\d+: No matching export in "[^"]*_names\.ts" for import "greeting"/, { from });
    await reloadLine(server, from, 'wants_name.ts');
    // An unrelated change retries the failed file, which fails the same way: nothing printed.
    const quiet = server.output().length;
    await writeFile(path.join(tools, 'saved.ts'), toolSource({ description: 'saved v1', result: "'saved v1 again'" }));
    await reloadLine(server, quiet, 'saved.ts');
    await barrier();
    expect(server.output().slice(quiet)).not.toMatch(/wants_name/);
    const marked = marks();
    await writeFile(path.join(tools, '_names.ts'), `export const other = 1;\nexport const greeting = 'hello';\n`);
    await server.waitFor(/recovered \S*wants_name\.ts/, { from: quiet });
    for (const [k, c] of clients.entries()) {
      await c.nextNotification(TOOLS_CHANGED, { since: marked[k] });
      expect(await callText(c, 'wants_name')).toBe('hello');
    }
  });

  it('/healthz lists load errors with their location, and clears them when fixed', async () => {
    const from = server.output().length;
    await writeFiles(tools, {
      'bad_import.ts': `import { nothing } from './_missing.js';\nexport default nothing;\n`,
      'bad_key.ts': `import { defineTool } from 'mcp-sse';\nexport default defineTool({ description: 'x', handler: () => 1, colour: 'red' } as never);\n`,
      'throws.ts': `import { defineTool } from 'mcp-sse';\nconst ready = false;\nif (!ready) throw new Error('not ready at load');\nexport default defineTool({ handler: () => 1 });\n`,
    });
    // Thrown while the file loads: the location is the line as written, not the bundle's.
    await server.waitFor(/throws\.ts:3:\d+: not ready at load\n[^]*?3 │ if \(!ready\)/, { from });
    await server.waitFor(/bad_import\.ts:1:\d+: Could not resolve/, { from });
    await server.waitFor(/bad_key\.ts[^\n]*colour/, { from });
    const broken = await health();
    expect(broken.status).toBe('degraded');
    expect(broken.errors).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ file: path.join(tools, 'bad_import.ts'), message: expect.stringMatching(/_missing/), location: expect.objectContaining({ line: 1 }) }),
        expect.objectContaining({ file: path.join(tools, 'bad_key.ts'), message: expect.stringMatching(/colour/) }),
        expect.objectContaining({ file: path.join(tools, 'throws.ts'), location: expect.objectContaining({ line: 3 }) }),
      ]),
    );
    // The missing helper appears: the file importing it recovers by itself.
    await writeFiles(tools, { '_missing.ts': `import { defineTool } from 'mcp-sse';\nexport const nothing = defineTool({ name: 'found', handler: () => 'found' });\n` });
    await server.waitFor(/recovered \S*bad_import\.ts/, { from });
    await rm(path.join(tools, 'bad_key.ts'));
    await rm(path.join(tools, 'throws.ts'));
    await expect.poll(async () => (await health()).errors.length, { timeout: 10_000 }).toBe(0);
    const fixed = await health();
    expect(fixed).toMatchObject({ status: 'ok', errors: [] });
    for (const c of clients) expect(await callText(c, 'found')).toBe('found');
  });

  it('the served folder deleted and recreated: clients stay connected and see both changes', async () => {
    let since = marks();
    await rm(tools, { recursive: true });
    await Promise.all(clients.map((c, i) => c.nextNotification(TOOLS_CHANGED, { since: since[i] })));
    for (const c of clients) expect(await names(c)).toEqual([]);
    expect((await health()).tools).toBe(0);

    since = marks();
    await mkdir(tools);
    await writeFiles(tools, {
      'barrier.ts': toolSource({ description: 'barrier again', result: "'barrier'" }),
      'reborn.ts': toolSource({ description: 'reborn', result: "'reborn'" }),
    });
    await Promise.all(clients.map((c, i) => c.nextNotification(TOOLS_CHANGED, { since: since[i] })));
    await expect.poll(async () => names(clients[0]!), { timeout: 10_000 }).toEqual(['barrier', 'reborn']);
    for (const c of clients) expect(await callText(c, 'reborn')).toBe('reborn');

    // And it is watched again.
    since = marks();
    await writeFiles(tools, { 'reborn.ts': toolSource({ description: 'reborn v2', result: "'reborn v2'" }) });
    await Promise.all(clients.map((c, i) => c.nextNotification(TOOLS_CHANGED, { since: since[i] })));
    for (const c of clients) expect(await callText(c, 'reborn')).toBe('reborn v2');
  });
});

describe('--no-watch', () => {
  it('serves the folder as it was at start and never reloads', async () => {
    const folder = await tempDir({ 'tools/fixed.ts': toolSource({ description: 'fixed', result: "'v1'" }) });
    const still = await serve(path.join(folder, 'tools'), ['--no-watch']);
    try {
      await still.waitFor(/not watching for changes/);
      const c = await connect(still.url, 'sse');
      await writeFiles(folder, {
        'tools/fixed.ts': toolSource({ description: 'fixed', result: "'v2'" }),
        'tools/extra.ts': toolSource({ description: 'extra', result: "'extra'" }),
      });
      // Nothing to await when nothing should happen: give a watcher ample time to have fired.
      await new Promise((resolve) => setTimeout(resolve, 1000));
      expect(await callText(c, 'fixed')).toBe('v1');
      expect((await c.client.listTools()).tools.map((t) => t.name)).toEqual(['fixed']);
      expect(c.notifications.filter((n) => n.method === TOOLS_CHANGED)).toEqual([]);
      expect(still.output()).not.toMatch(/reload /);
      await c.close();
    } finally {
      await still.stop();
      await removeDir(folder);
    }
  });
});
