import { readFile, writeFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serve, type ServeHandle } from '../helpers/cli.js';
import { connect, type ConnectedClient } from '../helpers/clients.js';
import { connectModern, MODERN, modernEnvelope, postModern, type ModernClient } from '../helpers/modern-client.js';
import { ADD_TOOL } from '../helpers/fixtures.js';
import { removeDir, tempDir } from '../helpers/temp.js';

const ENVELOPE = modernEnvelope();

let dir: string;
let server: ServeHandle;

beforeAll(async () => {
  dir = await tempDir({
    'tools/add.ts': ADD_TOOL,
    'tools/forms.ts': `
      import { defineTool, audio, image, resource, resourceLink, text, ToolError } from 'mcp-sse';
      export const media = defineTool({
        description: 'Every content helper',
        handler: () => [
          text('caption'),
          image(new Uint8Array([1, 2, 3]), 'image/png'),
          audio('UklGRg==', 'audio/wav'),
          resource({ uri: 'mem://note', mimeType: 'text/plain', text: 'embedded' }),
          resource({ uri: 'mem://bin', blob: new Uint8Array([255]) }),
          resourceLink({ uri: 'mem://big', name: 'big', mimeType: 'text/csv' }),
        ],
      });
      export const word = defineTool({ description: 'A string', handler: () => 'hello' });
      export const count = defineTool({ description: 'A number', handler: () => 42 });
      export const flag = defineTool({ description: 'A boolean', handler: () => true });
      export const list = defineTool({ description: 'An array', handler: () => [1, 'two'] });
      export const full = defineTool({ description: 'A full result', handler: () => ({ content: [{ type: 'text', text: 'as is' }] }) });
      export const fails = defineTool({ description: 'Throws', handler: () => { throw new ToolError('no luck'); } });`,
    'tools/work.ts': `
      import { z } from 'zod';
      import { defineTool } from 'mcp-sse';
      export const steps = defineTool({
        description: 'Reports progress',
        input: { steps: z.number().int() },
        async handler({ steps }, ctx) {
          for (let i = 1; i <= steps; i++) await ctx.progress(i, steps, 'step ' + i);
          return 'done ' + (ctx.sessionId === '' ? 'without a session' : 'in ' + ctx.sessionId);
        },
      });
      export const chatty = defineTool({
        description: 'Logs at three levels',
        async handler(_args, ctx) {
          await ctx.log.debug('at debug');
          await ctx.log.warning('at warning');
          await ctx.log.error('at error', { n: 1 });
          return 'logged';
        },
      });
      export const ask = defineTool({
        description: 'Samples, then elicits, in one call',
        async handler(_args, ctx) {
          const sampled = await ctx.sample({ messages: [{ role: 'user', content: { type: 'text', text: 'a colour?' } }], maxTokens: 5 });
          const answer = await ctx.elicit({ message: 'your name?', requestedSchema: { name: z.string() } });
          return (sampled.content as { text: string }).text + ' for ' + JSON.stringify(answer.content);
        },
      });
      export const waits = defineTool({
        description: 'Runs until cancelled, then records why',
        input: { marker: z.string() },
        async handler({ marker }, ctx) {
          await ctx.progress(0, 1, 'started');
          await new Promise((resolve) => ctx.signal.addEventListener('abort', resolve));
          const { writeFileSync } = await import('node:fs');
          writeFileSync(marker, (ctx.signal.reason as { kind?: string }).kind ?? 'unknown');
          return 'never seen';
        },
      });
      export const slow = defineTool({
        description: 'Takes a moment after saying it started',
        async handler(_args, ctx) {
          await ctx.progress(0, 1, 'started');
          await new Promise((resolve) => setTimeout(resolve, 300));
          return 'finished';
        },
      });
      export const link = defineTool({
        description: 'Sends the user to a URL',
        async handler(_args, ctx) {
          const answer = await ctx.elicit({ mode: 'url', message: 'Sign in', url: 'https://example.com/login', elicitationId: 'e1' });
          return 'url answer: ' + answer.action;
        },
      });
      export const touch = defineTool({
        description: 'Announces a resource update',
        handler: (_args, ctx) => { ctx.notifyResourceUpdated('docs://readme'); return 'touched'; },
      });`,
    'tools/docs.ts': `
      import { z } from 'zod';
      import { defineResource, definePrompt } from 'mcp-sse';
      export const readme = defineResource({ uri: 'docs://readme', name: 'readme', mimeType: 'text/markdown', read: () => '# hello' });
      export const bytes = defineResource({ uri: 'docs://bytes', name: 'bytes', read: () => new Uint8Array([1, 2]) });
      export const profile = defineResource({
        uriTemplate: 'users://{id}/profile', name: 'profile',
        read: (_uri, { id }) => ({ id }),
        list: () => [{ uri: 'users://1/profile', name: 'user 1' }],
        complete: { id: (value) => ['1', '2', '10'].filter((v) => v.startsWith(value)) },
      });
      export const review = definePrompt({
        description: 'Review code',
        args: { code: z.string(), language: z.string().optional() },
        get: ({ code }) => 'Review this:\\n' + code,
        complete: { language: (value) => ['ts', 'js'].filter((v) => v.startsWith(value)) },
      });`,
  });
  server = await serve(`${dir}/tools`);
});

afterAll(async () => {
  await server?.stop();
  await removeDir(dir);
});

/** The fields only the 2026 wire carries: what is left must equal the 2025 answer. */
function withoutModernFields(result: Record<string, unknown>): Record<string, unknown> {
  const { _meta, ttlMs: _ttl, cacheScope: _scope, resultType: _type, ...rest } = result;
  const meta = { ...(_meta as Record<string, unknown> | undefined) };
  delete meta['io.modelcontextprotocol/serverInfo'];
  return Object.keys(meta).length > 0 ? { ...rest, _meta: meta } : rest;
}

function rawModern(method: string, params: Record<string, unknown> = {}, headers: Record<string, string> = {}, envelope = ENVELOPE) {
  return postModern(server.url, method, params, { headers, envelope });
}

describe('four clients of both eras on one server', () => {
  it('each lists, calls, and sees a file edit: 2026 clients through subscriptions/listen', async () => {
    const pinned = await connectModern(server.url, 'pin');
    const auto = await connectModern(server.url, 'auto');
    const http = await connect(server.url, 'http');
    const sse = await connect(server.url, 'sse');
    try {
      expect(pinned.client.getProtocolEra()).toBe('modern');
      expect(auto.client.getProtocolEra()).toBe('modern');
      for (const modern of [pinned, auto]) await modern.listen({ toolsListChanged: true });
      await http.streamReady;

      const lists = await Promise.all([pinned, auto, http, sse].map((c) => c.client.listTools()));
      for (const { tools } of lists) expect(tools.map((t) => t.name)).toContain('add');
      const calls = await Promise.all(
        [pinned, auto, http, sse].map((c) => c.client.callTool({ name: 'add', arguments: { a: 2, b: 3 } })),
      );
      for (const result of calls) expect(result.structuredContent).toEqual({ sum: 5 });

      const since = [pinned, auto, http, sse].map((c) => c.notifications.length);
      await writeFile(
        `${dir}/tools/extra.ts`,
        `import { defineTool } from 'mcp-sse';\nexport default defineTool({ description: 'Added later', handler: () => 'extra' });`,
      );
      await Promise.all(
        [pinned, auto, http, sse].map((c, i) => c.nextNotification('notifications/tools/list_changed', { since: since[i] })),
      );
      const after = await Promise.all([pinned, auto, http, sse].map((c) => c.client.listTools()));
      for (const { tools } of after) expect(tools.map((t) => t.name)).toContain('extra');
      const extra = await pinned.client.callTool({ name: 'extra', arguments: {} });
      expect(extra.content).toEqual([{ type: 'text', text: 'extra' }]);
    } finally {
      await Promise.all([pinned, auto, http, sse].map((c) => c.close()));
    }
  });
});

describe('the 2026-07-28 era', () => {
  let modern: ModernClient;
  let legacy: ConnectedClient;

  beforeAll(async () => {
    modern = await connectModern(server.url, 'pin', { capabilities: { sampling: {}, elicitation: { form: {} } } });
    legacy = await connect(server.url, 'http');
  });
  afterAll(async () => {
    await modern?.close();
    await legacy?.close();
  });

  it('returns every result form exactly as the 2025 era does', async () => {
    for (const name of ['media', 'word', 'count', 'flag', 'list', 'full', 'fails', 'add']) {
      const args = name === 'add' ? { a: 1, b: 2 } : {};
      const [m, l] = await Promise.all([
        modern.client.callTool({ name, arguments: args }),
        legacy.client.callTool({ name, arguments: args }),
      ]);
      expect(withoutModernFields(m as Record<string, unknown>), name).toEqual(l);
    }
    const failed = await modern.client.callTool({ name: 'fails', arguments: {} });
    expect(failed).toMatchObject({ isError: true, content: [{ type: 'text', text: 'no luck' }] });
  });

  it('serves the same tools, resources, templates, prompts and completions as the 2025 era', async () => {
    const pairs: Array<[string, (c: any) => Promise<unknown>]> = [
      ['tools', (c) => c.listTools()],
      ['resources', (c) => c.listResources()],
      ['templates', (c) => c.listResourceTemplates()],
      ['read text', (c) => c.readResource({ uri: 'docs://readme' })],
      ['read blob', (c) => c.readResource({ uri: 'docs://bytes' })],
      ['read template', (c) => c.readResource({ uri: 'users://7/profile' })],
      ['prompts', (c) => c.listPrompts()],
      ['prompt', (c) => c.getPrompt({ name: 'review', arguments: { code: 'x = 1' } })],
      ['complete prompt', (c) => c.complete({ ref: { type: 'ref/prompt', name: 'review' }, argument: { name: 'language', value: 't' } })],
      ['complete template', (c) => c.complete({ ref: { type: 'ref/resource', uri: 'users://{id}/profile' }, argument: { name: 'id', value: '1' } })],
    ];
    for (const [what, run] of pairs) {
      const [m, l] = await Promise.all([run(modern.client), run(legacy.client)]);
      expect(withoutModernFields(m as Record<string, unknown>), what).toEqual(l);
    }
    const read = await modern.client.readResource({ uri: 'docs://readme' });
    expect(read.contents).toEqual([{ uri: 'docs://readme', mimeType: 'text/markdown', text: '# hello' }]);
  });

  it('answers unknown tools and resources with JSON-RPC errors, resource-not-found as -32602 as the revision has it', async () => {
    await expect(modern.client.callTool({ name: 'nope', arguments: {} })).rejects.toMatchObject({ code: -32602, message: expect.stringMatching(/Unknown tool: nope/) });
    await expect(modern.client.readResource({ uri: 'docs://missing' })).rejects.toMatchObject({ code: -32602, message: expect.stringMatching(/Resource not found: docs:\/\/missing/) });
    await expect(legacy.client.readResource({ uri: 'docs://missing' })).rejects.toMatchObject({ code: -32002 });
  });

  it('advertises what is served on server/discover, with cache fields true for a watched folder', async () => {
    const discover = await rawModern('server/discover');
    expect(discover.status).toBe(200);
    expect(discover.body.result).toMatchObject({
      supportedVersions: [MODERN],
      capabilities: { tools: { listChanged: true }, resources: { listChanged: true }, prompts: { listChanged: true }, completions: {} },
      ttlMs: 0,
      _meta: { 'io.modelcontextprotocol/serverInfo': { name: 'tools' } },
    });
    const tools = await rawModern('tools/list');
    // Hot reload can change the list at any moment: nothing may serve it from a cache.
    expect(tools.body.result).toMatchObject({ ttlMs: 0, cacheScope: 'public' });
    const read = await rawModern('resources/read', { uri: 'docs://readme' }, { 'Mcp-Name': 'docs://readme' });
    expect(read.body.result).toMatchObject({ ttlMs: 0, cacheScope: 'private' });
  });

  it('answers the methods the revision removed with method-not-found', async () => {
    for (const method of ['ping', 'logging/setLevel', 'resources/subscribe', 'initialize']) {
      const answer = await rawModern(method, { level: 'info', uri: 'docs://readme' });
      expect(answer.body.error, method).toMatchObject({ code: -32601 });
    }
  });

  // Retried: an SDK client drops a progress event that reaches it in the same read as the result;
  // the server spaces them (PROGRESS_TO_RESULT_GAP_MS), but a client stalled longer by a busy machine still merges them.
  it('delivers progress on the request stream before the result, with no session', { retry: 2 }, async () => {
    const progress: number[] = [];
    const result = await modern.client.callTool(
      { name: 'steps', arguments: { steps: 3 } },
      { onprogress: (p) => void progress.push(p.progress) },
    );
    expect(result.content).toEqual([{ type: 'text', text: 'done without a session' }]);
    expect(progress).toEqual([1, 2, 3]);
  });

  it('aborts ctx.signal with reason cancelled when the client abandons the call', async () => {
    const marker = `${dir}/cancelled.txt`;
    const abort = new AbortController();
    const call = modern.client.callTool(
      { name: 'waits', arguments: { marker } },
      { signal: abort.signal, onprogress: () => abort.abort() },
    );
    await expect(call).rejects.toThrow();
    const deadline = Date.now() + 10_000;
    let reason: string | undefined;
    while (Date.now() < deadline && reason === undefined) {
      // The handler's write creates the file before it fills it: an empty read is not an answer yet.
      reason = (await readFile(marker, 'utf8').catch(() => undefined)) || undefined;
      if (reason === undefined) await new Promise((r) => setTimeout(r, 25));
    }
    expect(reason).toBe('cancelled');
  });

  it('sends logs at or above the request logLevel, and none without one', async () => {
    const since = modern.notifications.length;
    await modern.client.callTool({ name: 'chatty', arguments: {}, _meta: { 'io.modelcontextprotocol/logLevel': 'warning' } });
    const logs = modern.notifications.slice(since).filter((n) => n.method === 'notifications/message');
    expect(logs.map((n) => n.params)).toEqual([
      { level: 'warning', logger: 'chatty', data: 'at warning' },
      { level: 'error', logger: 'chatty', data: { message: 'at error', data: { n: 1 } } },
    ]);
    const quiet = modern.notifications.length;
    await modern.client.callTool({ name: 'chatty', arguments: {} });
    expect(modern.notifications.slice(quiet).filter((n) => n.method === 'notifications/message')).toEqual([]);
  });

  it('runs ctx.sample and ctx.elicit through input_required rounds, in one run of the handler', async () => {
    modern.client.setRequestHandler('sampling/createMessage', async () => ({
      role: 'assistant',
      content: { type: 'text', text: 'teal' },
      model: 'test-model',
    }));
    modern.client.setRequestHandler('elicitation/create', async (request) => {
      expect(request.params).toMatchObject({ message: 'your name?', requestedSchema: { type: 'object', properties: { name: { type: 'string' } } } });
      return { action: 'accept', content: { name: 'Ada' } };
    });
    const result = await modern.client.callTool({ name: 'ask', arguments: {} });
    expect(result.content).toEqual([{ type: 'text', text: 'teal for {"name":"Ada"}' }]);
  });

  it('runs URL-mode ctx.elicit for a client that declares it', async () => {
    const urls = await connectModern(server.url, 'pin', { capabilities: { elicitation: { url: {} } } });
    try {
      urls.client.setRequestHandler('elicitation/create', async (request) => {
        expect(request.params).toMatchObject({ mode: 'url', url: 'https://example.com/login', message: 'Sign in' });
        return { action: 'accept' };
      });
      const result = await urls.client.callTool({ name: 'link', arguments: {} });
      expect(result.content).toEqual([{ type: 'text', text: 'url answer: accept' }]);
      // The same client declared no sampling: the call that needs it is refused with -32021.
      await expect(urls.client.callTool({ name: 'ask', arguments: {} })).rejects.toMatchObject({
        code: -32021,
        data: { requiredCapabilities: { sampling: {} } },
      });
    } finally {
      await urls.close();
    }
  });

  it('answers ctx.sample for a client without the capability with -32021, as the revision prescribes', async () => {
    const plain = await connectModern(server.url, 'pin');
    try {
      await expect(plain.client.callTool({ name: 'ask', arguments: {} })).rejects.toMatchObject({
        code: -32021,
        data: { requiredCapabilities: { sampling: {} } },
      });
    } finally {
      await plain.close();
    }
  });

  it('asks again for an input the retry left unanswered, and resumes the same call round by round', async () => {
    const envelope = { ...ENVELOPE, 'io.modelcontextprotocol/clientCapabilities': { sampling: {}, elicitation: { form: {} } } };
    const call = (extra: Record<string, unknown>) =>
      rawModern('tools/call', { name: 'ask', arguments: {}, ...extra }, { 'Mcp-Name': 'ask' }, envelope).then(
        (answer) => answer.body.result as Record<string, any>,
      );
    const first = await call({});
    expect(first.resultType).toBe('input_required');
    const [key, asked] = Object.entries(first.inputRequests as Record<string, { method: string }>)[0]!;
    expect(asked.method).toBe('sampling/createMessage');
    const again = await call({ requestState: first.requestState, inputResponses: {} });
    expect(again).toMatchObject({ resultType: 'input_required', inputRequests: { [key]: { method: 'sampling/createMessage' } } });
    const sampled = { role: 'assistant', content: { type: 'text', text: 'amber' }, model: 'm' };
    const second = await call({ requestState: again.requestState, inputResponses: { [key]: sampled } });
    const [nextKey, elicit] = Object.entries(second.inputRequests as Record<string, { method: string }>)[0]!;
    expect(elicit.method).toBe('elicitation/create');
    const done = await call({ requestState: second.requestState, inputResponses: { [nextKey]: { action: 'accept', content: { name: 'Lin' } } } });
    expect(done).toMatchObject({ resultType: 'complete', content: [{ type: 'text', text: 'amber for {"name":"Lin"}' }] });
    // A finished call's state cannot be replayed.
    const replay = await rawModern('tools/call', { name: 'ask', arguments: {}, requestState: second.requestState, inputResponses: {} }, { 'Mcp-Name': 'ask' }, envelope);
    expect(replay.body.error).toMatchObject({ code: -32602 });
  });

  it('rejects a retry whose requestState names no waiting call', async () => {
    const answer = await rawModern('tools/call', { name: 'ask', arguments: {}, requestState: 'forged', inputResponses: {} }, { 'Mcp-Name': 'ask' });
    expect(answer.body.error).toMatchObject({ code: -32602, message: 'Invalid or expired requestState' });
  });

  it('delivers resource updates to a listen stream that subscribed to the uri', async () => {
    const listener = await connectModern(server.url, 'pin');
    try {
      await listener.listen({ resourceSubscriptions: ['docs://readme'] });
      await modern.client.callTool({ name: 'touch', arguments: {} });
      const update = await listener.nextNotification('notifications/resources/updated');
      expect(update.params).toMatchObject({ uri: 'docs://readme' });
    } finally {
      await listener.close();
    }
  });
});

describe('the checks in front of /mcp apply to both eras', () => {
  let guarded: ServeHandle;
  beforeAll(async () => {
    guarded = await serve(`${dir}/tools`, ['--auth-token', 'sekret', '--cors']);
  });
  afterAll(async () => {
    await guarded?.stop();
  });

  it('needs the bearer token from a 2026 client, and works with it', async () => {
    await expect(connectModern(guarded.url, 'pin')).rejects.toThrow(/401|nauthori/);
    const ok = await connectModern(guarded.url, 'pin', { headers: { Authorization: 'Bearer sekret' } });
    try {
      expect((await ok.client.callTool({ name: 'add', arguments: { a: 1, b: 1 } })).structuredContent).toEqual({ sum: 2 });
      // With authentication on, results may differ per caller: no shared caches.
      const { tools: _tools, ...list } = (await ok.client.listTools()) as Record<string, unknown>;
      expect(list).toMatchObject({ cacheScope: 'private' });
    } finally {
      await ok.close();
    }
  });

  it('lets browser clients send and read the 2026 headers (CORS)', async () => {
    const preflight = await fetch(`${guarded.url}/mcp`, {
      method: 'OPTIONS',
      headers: {
        Origin: 'http://localhost:5173',
        'Access-Control-Request-Method': 'POST',
        'Access-Control-Request-Headers': 'content-type,authorization,mcp-protocol-version,mcp-method,mcp-name',
      },
    });
    expect(preflight.status).toBe(204);
    const allowed = preflight.headers.get('access-control-allow-headers')!.toLowerCase().split(',');
    expect(allowed).toEqual(expect.arrayContaining(['mcp-protocol-version', 'mcp-method', 'mcp-name', 'authorization']));
    const answer = await fetch(`${guarded.url}/mcp`, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/json',
        Accept: 'application/json, text/event-stream',
        Authorization: 'Bearer sekret',
        Origin: 'http://localhost:5173',
        'MCP-Protocol-Version': MODERN,
        'Mcp-Method': 'server/discover',
      },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'server/discover', params: { _meta: ENVELOPE } }),
    });
    expect(answer.status).toBe(200);
    expect(answer.headers.get('access-control-allow-origin')).toBe('http://localhost:5173');
    expect(answer.headers.get('access-control-expose-headers')!.toLowerCase()).toContain('mcp-protocol-version');
  });

  it('refuses a 2026 request from a foreign Origin with 403', async () => {
    const response = await fetch(`${guarded.url}/mcp`, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/json',
        Accept: 'application/json, text/event-stream',
        Authorization: 'Bearer sekret',
        Origin: 'https://evil.example',
        'MCP-Protocol-Version': MODERN,
        'Mcp-Method': 'server/discover',
      },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'server/discover', params: { _meta: ENVELOPE } }),
    });
    expect(response.status).toBe(403);
  });
});

it('lets a running 2026 call finish when the server is told to stop', async () => {
  const own = await serve(`${dir}/tools`);
  const client = await connectModern(own.url, 'pin');
  try {
    const result = await client.client.callTool({ name: 'slow', arguments: {} }, { onprogress: () => void own.child.kill('SIGTERM') });
    expect(result.content).toEqual([{ type: 'text', text: 'finished' }]);
    expect((await own.exited).code).toBe(0);
  } finally {
    await client.close().catch(() => undefined);
    await own.stop();
  }
});
