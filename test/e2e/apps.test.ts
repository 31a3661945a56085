import { rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runToEnd, serve, type ServeHandle } from '../helpers/cli.js';
import { connect, TRANSPORTS, type ConnectedClient } from '../helpers/clients.js';
import { connectModern, type ModernClient } from '../helpers/modern-client.js';
import { removeDir, tempDir, writeFiles } from '../helpers/temp.js';

// MCP Apps (SEP-1865) over every transport: a tool's view as a ui:// resource, its metadata,
// and hot reload of the HTML, scripts and styles it bundles.
const APP_MIME = 'text/html;profile=mcp-app';
const URI = 'ui://add/add.html';

const toolSource = (ui: string) => `
import { z } from 'zod';
import { defineTool } from 'mcp-sse';
export default defineTool({
  description: 'Add two numbers',
  input: { a: z.number(), b: z.number() },
  output: { sum: z.number() },
  ui: ${ui},
  handler: ({ a, b }) => ({ sum: a + b }),
});
`;
const UI = `{ file: './add.html', csp: { connectDomains: ['https://api.example.com'] }, prefersBorder: true }`;
const HTML = `<!doctype html>
<html><head><meta charset="utf-8"><link rel="stylesheet" href="./style.css"></head>
<body><p id="out">waiting</p>
<script type="module" src="./_view.ts"></script>
</body></html>
`;
const viewSource = (word: string) => `import { greeting } from './_greeting.js';\ndocument.getElementById('out')!.textContent = greeting(${JSON.stringify(word)});\n`;

let dir: string;
let tools: string;
let server: ServeHandle;
let legacy: ConnectedClient[];
let modern: ModernClient;

beforeAll(async () => {
  dir = await tempDir({
    'tools/add.ts': toolSource(UI),
    'tools/add.html': HTML,
    'tools/style.css': '#out { color: teal; }\n',
    'tools/_view.ts': viewSource('first'),
    'tools/_greeting.ts': 'export const greeting = (w: string): string => `view says ${w}`;\n',
    'tools/app-only.ts': `import { defineTool } from 'mcp-sse';\nexport default defineTool({ description: 'for the view only', ui: { visibility: ['app'] }, handler: () => 'refreshed' });\n`,
  });
  tools = path.join(dir, 'tools');
  server = await serve(tools, [], { cwd: dir });
  legacy = await Promise.all(TRANSPORTS.map((t) => connect(server.url, t)));
  await Promise.all(legacy.map((c) => c.streamReady));
  modern = await connectModern(server.url, 'pin');
});

afterAll(async () => {
  await Promise.all([...(legacy ?? []).map((c) => c.close()), modern?.close()]);
  await server?.stop();
  await removeDir(dir);
});

async function readView(client: ConnectedClient['client'] | ModernClient['client']) {
  const { contents } = await client.readResource({ uri: URI });
  return contents[0] as { uri: string; mimeType: string; text: string; _meta?: Record<string, unknown> };
}

describe('a tool with a view', () => {
  it('declares the extension and lists tool, view and metadata on every transport', async () => {
    for (const client of [...legacy.map((c) => c.client), modern.client]) {
      // 2026-07-28 clients also see the tasks extension; every client sees the Apps one.
      expect(client.getServerCapabilities()?.extensions).toMatchObject({ 'io.modelcontextprotocol/ui': {} });
      const { tools: listed } = await client.listTools();
      const add = listed.find((t) => t.name === 'add')!;
      expect(add._meta).toEqual({ ui: { resourceUri: URI }, 'ui/resourceUri': URI });
      // App-only tools are still listed (the host keeps them from the model) and callable.
      expect(listed.find((t) => t.name === 'app-only')!._meta).toEqual({ ui: { visibility: ['app'] } });
      const called = await client.callTool({ name: 'app-only', arguments: {} });
      expect(called.content).toEqual([{ type: 'text', text: 'refreshed' }]);

      const ui = { prefersBorder: true, csp: { connectDomains: ['https://api.example.com'] } };
      const { resources } = await client.listResources();
      expect(resources).toEqual([{ uri: URI, name: 'add', title: 'add view', mimeType: APP_MIME, _meta: { ui } }]);
      const view = await readView(client);
      expect(view).toMatchObject({ uri: URI, mimeType: APP_MIME, _meta: { ui } });
      // One document: the script and the style are inlined, nothing is left to fetch.
      expect(view.text).toContain('view says ');
      expect(view.text).toMatch(/<style>#out\{color:teal\}\s*<\/style>/);
      expect(view.text).not.toContain('src="./_view.ts"');
      expect(view.text).not.toContain('style.css');
    }
  });

  it('is served only as a resource, never on an HTTP route', async () => {
    for (const route of ['/add.html', '/tools/add.html', '/ui/add/add.html', '/add/add.html']) {
      const response = await fetch(`${server.url}${route}`);
      expect(response.status).toBe(404);
      expect(await response.text()).not.toContain('<p id="out">');
    }
  });
});

describe('hot reload of a view', () => {
  it('an edit to a script the view imports rebuilds it and sends resources/updated to subscribers of every era', async () => {
    await Promise.all(legacy.map((c) => c.client.subscribeResource({ uri: URI })));
    await modern.listen({ resourceSubscriptions: [URI] });
    const since = legacy.map((c) => c.notifications.length);
    const modernSince = modern.notifications.length;
    const from = server.output().length;
    await writeFile(path.join(tools, '_greeting.ts'), 'export const greeting = (w: string): string => `edited view says ${w}`;\n');
    await Promise.all(legacy.map((c, i) => c.nextNotification('notifications/resources/updated', { since: since[i] })));
    const update = await modern.nextNotification('notifications/resources/updated', { since: modernSince });
    expect(update.params).toMatchObject({ uri: URI });
    for (const client of [...legacy.map((c) => c.client), modern.client]) expect((await readView(client)).text).toContain('edited view says');
    await server.waitFor(/reload .*~ui:\/\/add\/add\.html \(view rebuilt\)/, { from });
    // Only the content changed, not the list.
    expect(legacy.some((c, i) => c.notifications.slice(since[i]).some((n) => n.method === 'notifications/resources/list_changed'))).toBe(false);
  });

  it('a style edit rebuilds it too', async () => {
    const since = legacy.map((c) => c.notifications.length);
    await writeFile(path.join(tools, 'style.css'), '#out { color: plum; }\n');
    await Promise.all(legacy.map((c, i) => c.nextNotification('notifications/resources/updated', { since: since[i] })));
    expect((await readView(legacy[0]!.client)).text).toContain('color:plum');
  });

  it('a broken script keeps the last good view, with file:line, until it is fixed', async () => {
    let from = server.output().length;
    await writeFile(path.join(tools, '_view.ts'), `${viewSource('broken')}const = ;\n`);
    const [line] = await server.waitFor(/error \S*_view\.ts:\d+:\d+: .*/, { from });
    expect(line).toBe('error tools/_view.ts:3:7: Expected identifier but found "="');
    await server.waitFor(/tools\/add\.ts: the last good version keeps serving/, { from });
    expect((await readView(legacy[1]!.client)).text).toContain('edited view says');

    from = server.output().length;
    const since = legacy[0]!.notifications.length;
    await writeFile(path.join(tools, '_view.ts'), viewSource('fixed'));
    await server.waitFor(/recovered tools\/add\.ts/, { from });
    await legacy[0]!.nextNotification('notifications/resources/updated', { since });
    expect((await readView(legacy[0]!.client)).text).toContain('"fixed"');
  });

  it('a script the HTML names that does not exist is an error at its tag', async () => {
    const from = server.output().length;
    await writeFile(path.join(tools, 'add.html'), HTML.replace('./_view.ts', './_missing.ts'));
    const [line] = await server.waitFor(/error \S*add\.html:\d+:\d+: .*/, { from });
    expect(line).toBe('error tools/add.html:4:23: script ./_missing.ts not found; create it or fix the src');
    await writeFile(path.join(tools, 'add.html'), HTML);
    await server.waitFor(/recovered tools\/add\.ts/, { from });
  });

  it('list_changed when a view appears or goes', async () => {
    const since = legacy.map((c) => c.notifications.length);
    await writeFile(path.join(tools, 'add.ts'), toolSource('undefined'));
    await Promise.all(legacy.map((c, i) => c.nextNotification('notifications/resources/list_changed', { since: since[i] })));
    expect((await legacy[0]!.client.listResources()).resources).toEqual([]);
    expect((await legacy[0]!.client.listTools()).tools.find((t) => t.name === 'add')!._meta).toBeUndefined();

    const again = legacy.map((c) => c.notifications.length);
    await writeFile(path.join(tools, 'add.ts'), toolSource(UI));
    await Promise.all(legacy.map((c, i) => c.nextNotification('notifications/resources/list_changed', { since: again[i] }))).catch((e) => {
      throw new Error(`${e.message}\n${server.output()}`);
    });
    expect((await legacy[1]!.client.listResources()).resources.map((r) => r.uri)).toEqual([URI]);
  });
});

describe('mcp-sse check validates views', () => {
  it('a missing HTML file: exit 1, pointing at the `ui` in the tool file', async () => {
    const project = await tempDir({ 'tools/add.ts': toolSource(`'./nope.html'`) });
    try {
      const { code, output } = await runToEnd(['check', 'tools'], { cwd: project });
      expect(code).toBe(1);
      expect(output).toContain('error tools/add.ts:8:7: view ./nope.html not found (nope.html); create it or fix `ui`');
      expect(output).toContain('1 problem(s)');
    } finally {
      await removeDir(project);
    }
  });

  it('a script that does not compile: exit 1 with its file:line; a good view passes', async () => {
    const project = await tempDir({ 'tools/add.ts': toolSource(UI), 'tools/add.html': HTML, 'tools/style.css': 'p{}', 'tools/_view.ts': 'let x: number = ;\n' });
    try {
      const bad = await runToEnd(['check', 'tools'], { cwd: project });
      expect(bad.code).toBe(1);
      expect(bad.output).toMatch(/error tools\/_view\.ts:1:17: Unexpected ";"/);
      await writeFiles(project, { 'tools/_view.ts': 'export {};\n' });
      const good = await runToEnd(['check', 'tools'], { cwd: project });
      expect(good.output).toMatch(/resource\s+ui:\/\/add\/add\.html\s+tools\/add\.ts\s+ok/);
      expect(good.code).toBe(0);
    } finally {
      await removeDir(project);
    }
  });

  it('a bad `ui` shape is a definition error naming the key', async () => {
    const project = await tempDir({ 'tools/add.ts': toolSource(`{ file: './a.html', prefersBorder: 'yes' }`) });
    try {
      const { code, output } = await runToEnd(['check', 'tools'], { cwd: project });
      expect(code).toBe(1);
      expect(output).toMatch(/ui\.prefersBorder: Invalid input: expected boolean/);
    } finally {
      await rm(project, { recursive: true, force: true });
    }
  });
});
