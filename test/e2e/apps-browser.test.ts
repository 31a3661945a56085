import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import * as esbuild from 'esbuild';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, serve, type ServeHandle } from '../helpers/cli.js';
import { removeDir, tempDir } from '../helpers/temp.js';

// A real host in a real browser: a page built on AppBridge (the host side of
// @modelcontextprotocol/ext-apps) talks to `mcp-sse serve` and renders a tool's view, which is
// written on the view side's `App` class and imports it from a folder with no node_modules (the
// bundle falls back to mcp-sse's own copy).
const ARTIFACTS = path.join(ROOT, 'test/artifacts');

const TOOL = `
import { z } from 'zod';
import { defineTool } from 'mcp-sse';
export default defineTool({
  description: 'Add two numbers',
  input: { a: z.number(), b: z.number() },
  output: { sum: z.number() },
  ui: { file: './add.html', prefersBorder: true },
  handler: ({ a, b }) => ({ sum: a + b }),
});
`;
const HTML = `<!doctype html>
<html><head><meta charset="utf-8"><link rel="stylesheet" href="./add.css"></head>
<body><p id="out">waiting</p><button id="again">add 40 + 2 through the host</button>
<script type="module" src="./_add-view.ts"></script></body></html>
`;
const view = (label: string) => `
import { App } from '@modelcontextprotocol/ext-apps';

const out = document.getElementById('out')!;
const app = new App({ name: 'add-view', version: '1.0.0' }, {});
app.addEventListener('toolresult', (result) => {
  out.textContent = ${JSON.stringify(label)} + ': ' + JSON.stringify(result.structuredContent);
});
document.getElementById('again')!.addEventListener('click', async () => {
  const result = await app.callServerTool({ name: 'add', arguments: { a: 40, b: 2 } });
  out.textContent = 'callback: ' + JSON.stringify(result.structuredContent);
});
await app.connect();
`;

let dir: string;
let server: ServeHandle;
let host: Server;
let hostUrl: string;
let browser: Browser;

beforeAll(async () => {
  dir = await tempDir({
    'tools/add.ts': TOOL,
    'tools/add.html': HTML,
    'tools/add.css': 'body { font: 16px sans-serif; } #out { color: #0a6; font-weight: bold; }\n',
    'tools/_add-view.ts': view('result'),
  });
  // The host page is on another origin than the server, as a real web host is: --cors.
  server = await serve(path.join(dir, 'tools'), ['--cors'], { cwd: dir });
  const built = await esbuild.build({
    entryPoints: [path.join(ROOT, 'test/browser/apps-host.js')],
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    logLevel: 'silent',
  });
  const script = built.outputFiles[0]!.text;
  const page = '<!doctype html><html><head><meta charset="utf-8"><title>host</title></head><body><script type="module" src="/host.js"></script></body></html>';
  host = createServer((req, res) => {
    const js = req.url === '/host.js';
    res.writeHead(200, { 'content-type': js ? 'text/javascript' : 'text/html' }).end(js ? script : page);
  });
  await new Promise<void>((resolve) => host.listen(0, '127.0.0.1', resolve));
  hostUrl = `http://127.0.0.1:${(host.address() as AddressInfo).port}/?server=${encodeURIComponent(server.mcpUrl)}`;
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-quic'],
  });
  await mkdir(ARTIFACTS, { recursive: true });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await new Promise((resolve) => host?.close(resolve));
  await server?.stop();
  await removeDir(dir);
});

describe('an MCP Apps host in Chromium', () => {
  it('renders the view of a tool call, lets it call a tool back, and re-renders after its script is edited', async () => {
    const page = await browser.newPage({ viewport: { width: 640, height: 320 } });
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    try {
      await page.goto(hostUrl);
      await page.waitForFunction(() => (globalThis as any).host?.ready === true, null, { timeout: 30_000 });
      expect(await page.evaluate(() => (globalThis as any).host.extensions)).toEqual({ 'io.modelcontextprotocol/ui': {} });
      const out = page.frameLocator('iframe').locator('#out');
      await expect.poll(() => out.textContent(), { timeout: 15_000 }).toBe('result: {"sum":3}');

      // The view calls a tool through the bridge; mcp-sse answers.
      await page.frameLocator('iframe').locator('#again').click();
      await expect.poll(() => out.textContent(), { timeout: 15_000 }).toBe('callback: {"sum":42}');

      // Edit the view's script: the host gets resources/updated, reads the view again and reloads it.
      const from = server.output().length;
      await writeFile(path.join(dir, 'tools/_add-view.ts'), view('total'));
      await server.waitFor(/~ui:\/\/add\/add\.html \(view rebuilt\)/, { from, timeoutMs: 30_000 });
      await page.waitForFunction(() => (globalThis as any).host.updates >= 1 && (globalThis as any).host.renders >= 2, null, { timeout: 30_000 });
      await expect.poll(() => page.frameLocator('iframe').locator('#out').textContent(), { timeout: 15_000 }).toBe('total: {"sum":3}');
      expect(await page.locator('iframe').count()).toBe(1);
      await page.screenshot({ path: path.join(ARTIFACTS, 'apps-view.png') });
      expect(await page.evaluate(() => (globalThis as any).host.log)).toEqual([]);
      expect(errors).toEqual([]);
    } finally {
      await page.close();
    }
  });
});
