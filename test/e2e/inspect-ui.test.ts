import { chmod, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, runCli, runToEnd, serve } from '../helpers/cli.js';
import { removeDir, tempDir } from '../helpers/temp.js';

// The only test file that starts the Inspector web UI: its ports (6274, 6275, 6278) are fixed,
// and vitest runs the tests of one file one after another.
const PORTS = [6274, 6275, 6278];
const LINK = /MCP Inspector\s+(http:\/\/127\.0\.0\.1:6274\/\S+)/;
const ARTIFACTS = path.join(ROOT, 'test/artifacts');
const STARTUP_MS = 180_000; // the first run downloads the Inspector and Node 24

let browser: Browser;
let scratch: string;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-quic'],
  });
  scratch = await tempDir();
  // The Inspector keeps its settings here instead of in the user's home.
  env = { MCP_STORAGE_DIR: path.join(scratch, 'inspector-storage') };
});

afterAll(async () => {
  await browser?.close();
  await removeDir(scratch);
});

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', () => resolve(false));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
  });
}

/** Once the Inspector is stopped, nothing of it may keep listening. */
async function expectInspectorGone() {
  await expect.poll(async () => (await Promise.all(PORTS.map(portFree))).every(Boolean), { timeout: 15_000, interval: 200 }).toBe(true);
}

async function openConnected(link: string): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  await page.goto(link);
  await page.locator('[data-testid="connection-status"][data-status="connected"]').waitFor({ timeout: 60_000 });
  return page;
}

describe('MCP Inspector web UI', () => {
  it('serve --inspect: the printed link connects over SSE, lists the tools and runs one; stopping the server stops it', async () => {
    const project = await tempDir();
    const server = await serve(`${ROOT}/examples/basic`, ['--inspect'], { cwd: project, env });
    try {
      const [, link] = (await server.waitFor(LINK, { timeoutMs: STARTUP_MS })) as RegExpMatchArray;
      const params = new URL(link!).searchParams;
      expect(params.get('serverUrl')).toBe(server.sseUrl);
      expect(params.get('transport')).toBe('sse');
      expect(params.get('autoConnect')).toMatch(/^[0-9a-f]{48}$/);

      const page = await openConnected(link!);
      await page.getByText('Tools', { exact: true }).first().click();
      const tools = page.locator('[data-testid="tools-screen"]');
      await expect.poll(() => tools.textContent(), { timeout: 30_000 }).toContain('Tools (2)');
      await expect(tools.getByRole('button', { name: /Add numbers/ }).isVisible()).resolves.toBe(true);
      await expect(tools.getByRole('button', { name: 'greet' }).isVisible()).resolves.toBe(true);

      await tools.getByRole('button', { name: /Add numbers/ }).click();
      await page.getByRole('textbox', { name: /^a/ }).fill('19');
      await page.getByRole('textbox', { name: /^b/ }).fill('23');
      await page.getByRole('button', { name: 'Execute Tool' }).click();
      const output = page.locator('[data-testid="structured-output"]');
      await expect.poll(() => output.textContent(), { timeout: 30_000 }).toMatch(/"sum":\s*42/);
      await page.screenshot({ path: path.join(ARTIFACTS, 'inspect-ui.png') });
      await page.close();
    } finally {
      const exit = await server.stop('SIGTERM');
      expect(exit.code, server.output()).toBe(0);
      await removeDir(project);
    }
    await expectInspectorGone();
  }, 300_000);

  it('serve --inspect killed with SIGKILL: the Inspector goes with it', async () => {
    const project = await tempDir();
    const server = await serve(`${ROOT}/examples/basic`, ['--inspect'], { cwd: project, env });
    try {
      await server.waitFor(LINK, { timeoutMs: STARTUP_MS });
      expect(await portFree(6274)).toBe(false);
      await server.stop('SIGKILL');
    } finally {
      await server.stop('SIGKILL');
      await removeDir(project);
    }
    await expectInspectorGone();
  }, 300_000);

  it('inspect, run where serve runs: finds the server, --transport http goes to /mcp, --auth-token reaches it', async () => {
    const project = await tempDir();
    const token = 'inspect-ui-secret';
    const server = await serve(`${ROOT}/examples/basic`, ['--auth-token', token], { cwd: project });
    const inspect = runCli(['inspect', '--transport', 'http', '--auth-token', token], { cwd: project, env });
    try {
      const [, link] = (await inspect.waitFor(LINK, { timeoutMs: STARTUP_MS })) as RegExpMatchArray;
      const params = new URL(link!).searchParams;
      expect(params.get('serverUrl')).toBe(server.mcpUrl);
      expect(params.get('transport')).toBe('http');
      // The server refuses any request without the token, so "connected" means the header went through.
      const page = await openConnected(link!);
      // The Servers screen shows the entry it connected: Streamable HTTP, at /mcp.
      const card = page.getByText(server.mcpUrl, { exact: true });
      await card.waitFor({ timeout: 30_000 });
      await expect(page.getByText('Streamable HTTP', { exact: true }).first().isVisible()).resolves.toBe(true);
      await page.screenshot({ path: path.join(ARTIFACTS, 'inspect-ui-http.png') });
      await page.getByText('Tools', { exact: true }).first().click();
      await expect.poll(() => page.locator('[data-testid="tools-screen"]').textContent(), { timeout: 30_000 }).toContain('Tools (2)');
      await page.close();
      const exit = await inspect.stop('SIGINT');
      expect(exit.code, inspect.output()).toBe(0);
    } finally {
      await inspect.stop('SIGKILL');
      await server.stop();
      await removeDir(project);
    }
    await expectInspectorGone();
  }, 300_000);

  it('says so in one line when port 6274 is taken', async () => {
    const squatter = createServer();
    await new Promise<void>((resolve) => squatter.listen(6274, '127.0.0.1', resolve));
    try {
      const { code, output } = await runToEnd(['inspect', 'http://127.0.0.1:8000/sse'], { env });
      expect(code).toBe(1);
      expect(output).toMatch(/^error: port 6274 is in use \(another MCP Inspector\?\): stop it, or set CLIENT_PORT to a free port$/m);
    } finally {
      await new Promise((resolve) => squatter.close(resolve));
    }
  });

  it.each([
    ['npx is missing', null, /npx was not found on PATH/],
    ['npx fails', 'echo "npm error code E404" >&2; echo "npm error 404 Not Found - GET https://registry.npmjs.org/node" >&2; exit 1', /npm error code E404/],
  ])('when %s, prints one line saying why and what to run instead', async (_case, script, reason) => {
    const bin = await tempDir();
    if (script) {
      await writeFile(path.join(bin, 'npx'), `#!/bin/sh\n${script}\n`);
      await chmod(path.join(bin, 'npx'), 0o755);
    }
    try {
      const { code, output } = await runToEnd(['inspect', 'http://127.0.0.1:8000/sse'], { env: { ...env, PATH: bin } });
      expect(code).toBe(1);
      const errors = output.split('\n').filter((l) => l.startsWith('error:'));
      expect(errors).toHaveLength(1);
      expect(errors[0]).toMatch(/^error: could not start the MCP Inspector: /);
      expect(errors[0]).toMatch(reason);
      expect(errors[0]).toContain('@modelcontextprotocol/inspector@2.12.0 and connect it to http://127.0.0.1:8000/sse (transport SSE)');
    } finally {
      await removeDir(bin);
    }
  });
});
