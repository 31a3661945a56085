import { existsSync } from 'node:fs';
import { rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serve, type ServeHandle } from '../helpers/cli.js';
import { connect, type ConnectedClient } from '../helpers/clients.js';
import { callText, countSince, makeBarrier, reloadLine, TOOLS_CHANGED, toolSource } from '../helpers/hot-reload.js';
import { removeDir, tempDir, writeFiles } from '../helpers/temp.js';

// One server, one SDK client per transport, all connected before any file changes. The steps
// run in order and each checks both clients.
let dir: string;
let tools: string;
let server: ServeHandle;
let clients: ConnectedClient[];

const slowSource = (version: string) => `
import { existsSync } from 'node:fs';
import { defineTool } from 'mcp-sse';
export default defineTool({
  description: 'waits for a release file, then answers with its version',
  input: { wait: { type: 'boolean' } },
  async handler({ wait }, ctx) {
    if (wait) {
      await ctx.progress(1, 2, 'started');
      while (!existsSync(process.env.RELEASE_FILE!)) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    }
    return ${JSON.stringify(version)};
  },
});
`;

const resourceSource = (description: string) => `
import { defineResource } from 'mcp-sse';
export default defineResource({ uri: 'docs://readme', name: 'readme', description: ${JSON.stringify(description)}, read: () => '# hi' });
`;

const promptSource = `
import { definePrompt } from 'mcp-sse';
export default definePrompt({ name: 'review', description: 'Review code', get: () => 'Review this' });
`;

beforeAll(async () => {
  dir = await tempDir({
    'tools/greet.ts': toolSource({ description: 'Say hello', result: "'hello v1'" }),
    'tools/barrier.ts': toolSource({ description: 'barrier 0', result: "'barrier'" }),
    'tools/uses_helper.ts': toolSource({ description: 'Formats with a helper', imports: "import { format } from './_lib/format.js';", result: "format('x')" }),
    'tools/_lib/format.ts': `export const format = (s: string) => '[' + s + ']';`,
    'tools/slow.ts': slowSource('old'),
    'tools/docs.ts': resourceSource('the docs'),
  });
  tools = path.join(dir, 'tools');
  server = await serve(tools, [], { env: { RELEASE_FILE: path.join(dir, 'release.flag') } });
  clients = [await connect(server.url, 'sse'), await connect(server.url, 'http')];
  await Promise.all(clients.map((c) => c.streamReady));
});

afterAll(async () => {
  await Promise.all((clients ?? []).map((c) => c.close()));
  await server?.stop();
  await removeDir(dir);
});

const barrier = makeBarrier(() => tools, () => clients);

async function names(c: ConnectedClient): Promise<string[]> {
  return (await c.client.listTools()).tools.map((t) => t.name);
}

async function healthErrors(): Promise<Array<{ file: string; message: string; location?: { line: number; column: number } }>> {
  return ((await (await fetch(`${server.url}/healthz`)).json()) as { errors: [] }).errors;
}

describe('hot reload with an SSE and a Streamable HTTP client connected', () => {
  it('a new file: every client gets list_changed, then lists and calls the new tool', async () => {
    const since = clients.map((c) => c.notifications.length);
    const from = server.output().length;
    await writeFiles(tools, { 'added.ts': toolSource({ description: 'Freshly added', result: "'added works'" }) });
    await Promise.all(clients.map((c, i) => c.nextNotification(TOOLS_CHANGED, { since: since[i] })));
    for (const c of clients) {
      expect(await names(c)).toContain('added');
      expect(await callText(c, 'added')).toBe('added works');
    }
    expect(await reloadLine(server, from, 'added.ts')).toMatch(/added\.ts: \+added in \d+ ms/);
  });

  it('a description edit: notification, and the list shows the new text', async () => {
    const since = clients.map((c) => c.notifications.length);
    const from = server.output().length;
    await writeFiles(tools, { 'greet.ts': toolSource({ description: 'Say hello, politely', result: "'hello v1'" }) });
    await Promise.all(clients.map((c, i) => c.nextNotification(TOOLS_CHANGED, { since: since[i] })));
    // The notification can beat the log line through its pipe; the next test must not read this line as its own.
    expect(await reloadLine(server, from, 'greet.ts')).toMatch(/greet\.ts: ~greet in \d+ ms/);
    for (const c of clients) {
      const { tools: listed } = await c.client.listTools();
      expect(listed.find((t) => t.name === 'greet')?.description).toBe('Say hello, politely');
    }
  });

  it('a handler-only edit: no notification, and the next call runs the new code', async () => {
    const since = clients.map((c) => c.notifications.length);
    const from = server.output().length;
    await writeFiles(tools, { 'greet.ts': toolSource({ description: 'Say hello, politely', result: "'hello v2'" }) });
    expect(await reloadLine(server, from, 'greet.ts')).toMatch(/greet\.ts: ~greet \(code only\) in/);
    for (const c of clients) expect(await callText(c, 'greet')).toBe('hello v2');
    await barrier();
    // Notifications on one stream arrive in order: only the barrier's may precede its own.
    clients.forEach((c, i) => expect(countSince(c, TOOLS_CHANGED, since[i]!)).toBe(1));
  });

  it('a broken file: the old version keeps answering, the error is printed once with a location and frame', async () => {
    const from = server.output().length;
    const broken = `import { defineTool } from 'mcp-sse';\nexport default defineTool({\n  description: 'Say hello',\n  handler: () => 'oops' +,\n});\n`;
    await writeFile(path.join(tools, 'greet.ts'), broken);
    const [line] = await server.waitFor(/error \S*greet\.ts:4:\d+: [^\n]+/, { from });
    expect(line).toMatch(/greet\.ts:4:\d+/);
    await server.waitFor(/4 │ +handler: \(\) => 'oops' \+,\n.*\^/, { from });
    await server.waitFor(/the last good version keeps serving/, { from });
    for (const c of clients) expect(await callText(c, 'greet')).toBe('hello v2');
    const errors = await healthErrors();
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ file: path.join(tools, 'greet.ts'), location: { line: 4 } });

    // Saved again with the same mistake: one more reload, no second copy of the error.
    await reloadLine(server, from, 'greet.ts');
    const again = server.output().length;
    await writeFile(path.join(tools, 'greet.ts'), broken + '\n');
    await reloadLine(server, again, 'greet.ts');
    expect(server.output().slice(from).match(/error \S*greet\.ts:4/g)).toHaveLength(1);
  });

  it('fixing the file prints "recovered" and serves the fix', async () => {
    const from = server.output().length;
    await writeFiles(tools, { 'greet.ts': toolSource({ description: 'Say hello, politely', result: "'hello v3'" }) });
    await server.waitFor(/recovered \S*greet\.ts/, { from });
    for (const c of clients) expect(await callText(c, 'greet')).toBe('hello v3');
    expect(await healthErrors()).toEqual([]);
  });

  it('a helper edit reloads the file importing it', async () => {
    for (const c of clients) expect(await callText(c, 'uses_helper')).toBe('[x]');
    const from = server.output().length;
    await writeFiles(tools, { '_lib/format.ts': `export const format = (s: string) => '<' + s + '>';` });
    await reloadLine(server, from, 'uses_helper.ts');
    for (const c of clients) expect(await callText(c, 'uses_helper')).toBe('<x>');
  });

  it('a deleted file: notification, and the tool is gone', async () => {
    const since = clients.map((c) => c.notifications.length);
    await rm(path.join(tools, 'added.ts'));
    await Promise.all(clients.map((c, i) => c.nextNotification(TOOLS_CHANGED, { since: since[i] })));
    for (const c of clients) {
      expect(await names(c)).not.toContain('added');
      await expect(c.client.callTool({ name: 'added', arguments: {} })).rejects.toThrow(/Unknown tool/);
    }
  });

  it('20 files written at once: exactly one notification per session, all 20 served', async () => {
    const since = clients.map((c) => c.notifications.length);
    const from = server.output().length;
    const files = Object.fromEntries(
      Array.from({ length: 20 }, (_, i) => [`bulk/t${i}.ts`, toolSource({ description: `bulk ${i}`, result: `'bulk ${i}'` })]),
    );
    await Promise.all(Object.entries(files).map(([name, content]) => writeFiles(tools, { [name]: content })));
    await Promise.all(clients.map((c, i) => c.nextNotification(TOOLS_CHANGED, { since: since[i] })));
    for (const c of clients) {
      const listed = await names(c);
      for (let i = 0; i < 20; i++) expect(listed).toContain(`bulk_t${i}`);
    }
    expect(await reloadLine(server, from, '20 files')).toMatch(/20 files: (\+bulk_t\d+ ){19}\+bulk_t\d+ in/);
    await barrier();
    clients.forEach((c, i) => expect(countSince(c, TOOLS_CHANGED, since[i]!)).toBe(2));
  });

  it('resources and prompts: each list notifies for its own kind only', async () => {
    const since = clients.map((c) => c.notifications.length);
    await writeFiles(tools, { 'docs.ts': resourceSource('the docs, revised') });
    await Promise.all(clients.map((c, i) => c.nextNotification('notifications/resources/list_changed', { since: since[i] })));
    for (const c of clients) expect((await c.client.listResources()).resources[0]?.description).toBe('the docs, revised');

    await writeFiles(tools, { 'review.ts': promptSource });
    await Promise.all(clients.map((c, i) => c.nextNotification('notifications/prompts/list_changed', { since: since[i] })));
    for (const c of clients) expect((await c.client.listPrompts()).prompts.map((p) => p.name)).toEqual(['review']);

    await barrier();
    clients.forEach((c, i) => {
      expect(countSince(c, TOOLS_CHANGED, since[i]!)).toBe(1); // the barrier's
      expect(countSince(c, 'notifications/resources/list_changed', since[i]!)).toBe(1);
      expect(countSince(c, 'notifications/prompts/list_changed', since[i]!)).toBe(1);
    });
  });

  it('a call started before an edit finishes on the old code; the next call runs the new', async () => {
    const release = path.join(dir, 'release.flag');
    for (const c of clients) {
      await rm(release, { force: true });
      let started!: () => void;
      const startedPromise = new Promise<void>((resolve) => (started = resolve));
      const running = c.client.callTool({ name: 'slow', arguments: { wait: true } }, undefined, {
        onprogress: () => started(),
        timeout: 30_000,
      });
      await startedPromise;
      const from = server.output().length;
      await writeFile(path.join(tools, 'slow.ts'), slowSource(`new ${c.client.transport?.constructor.name}`));
      await reloadLine(server, from, 'slow.ts');
      expect(await callText(c, 'slow', { wait: false })).toMatch(/^new /);
      expect(existsSync(release)).toBe(false);
      await writeFile(release, '');
      const result = await running;
      expect((result.content as Array<{ text: string }>)[0]!.text).toBe('old');
      // Put the old code back for the next transport's turn.
      const back = server.output().length;
      await writeFile(path.join(tools, 'slow.ts'), slowSource('old'));
      await reloadLine(server, back, 'slow.ts');
    }
  });
});
