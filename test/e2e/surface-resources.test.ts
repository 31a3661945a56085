import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serve, type ServeHandle } from '../helpers/cli.js';
import { connect, TRANSPORTS } from '../helpers/clients.js';
import { removeDir, tempDir } from '../helpers/temp.js';

let dir: string;
let server: ServeHandle;

beforeAll(async () => {
  dir = await tempDir({
    'defs/static.ts': `
      import { defineResource } from 'mcp-sse';
      export const notes = defineResource({
        uri: 'notes://today', name: 'today', description: 'Notes for today', mimeType: 'text/markdown',
        read: () => '# Today',
      });
      export const logo = defineResource({
        uri: 'files://logo', name: 'logo', mimeType: 'image/png',
        read: () => new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0, 255]),
      });
      export const plain = defineResource({ uri: 'files://plain', name: 'plain', read: () => 'no mime type given' });
      export const bytes = defineResource({ uri: 'files://bytes', name: 'bytes', read: () => new Uint8Array([1, 2, 3]) });
      export const empty = defineResource({ uri: 'files://empty', name: 'empty', read: () => undefined as never });
      export const full = defineResource({
        uri: 'files://full', name: 'full',
        read: (uri) => ({ contents: [{ uri, mimeType: 'text/csv', text: 'a,b' }, { uri: uri + '#2', text: 'second' }] }),
      });`,
    'defs/users.ts': `
      import { defineResource } from 'mcp-sse';
      export default defineResource({
        uriTemplate: 'users://{id}/posts/{post}', name: 'post', description: 'One post of one user',
        read: (uri, vars) => ({ uri, vars }),
        list: () => [{ uri: 'users://1/posts/7', name: 'first post' }],
      });`,
    'defs/counter.ts': `
      import { z } from 'zod';
      import { defineResource, defineTool, notifyResourceUpdated } from 'mcp-sse';
      let count = 0;
      export const counter = defineResource({ uri: 'counter://value', name: 'counter', read: () => String(count) });
      export const other = defineResource({ uri: 'counter://other', name: 'other', read: () => 'other' });
      export const bump = defineTool({
        description: 'Changes a resource and tells subscribers, through ctx',
        input: { uri: z.string() },
        handler: ({ uri }, ctx) => { count++; ctx.notifyResourceUpdated(uri); return 'bumped'; },
      });
      export const bumpLater = defineTool({
        description: 'Changes a resource after the call ended, through the exported notifyResourceUpdated',
        input: { uri: z.string() },
        handler: ({ uri }) => { setTimeout(() => { count++; notifyResourceUpdated(uri); }, 5); return 'scheduled'; },
      });`,
  });
  server = await serve(`${dir}/defs`);
});

afterAll(async () => {
  await server?.stop();
  await removeDir(dir);
});

describe.each(TRANSPORTS)('resources over %s', (transport) => {
  it('lists static resources and the entries a template lists, and lists templates apart', async () => {
    const c = await connect(server.url, transport);
    const { resources } = await c.client.listResources();
    expect(resources).toEqual(
      expect.arrayContaining([
        { uri: 'notes://today', name: 'today', description: 'Notes for today', mimeType: 'text/markdown' },
        expect.objectContaining({ uri: 'files://logo', name: 'logo', mimeType: 'image/png' }),
        expect.objectContaining({ uri: 'users://1/posts/7', name: 'first post' }),
      ]),
    );
    expect(resources.some((r) => r.uri.includes('{'))).toBe(false);
    const { resourceTemplates } = await c.client.listResourceTemplates();
    expect(resourceTemplates).toEqual([
      expect.objectContaining({ uriTemplate: 'users://{id}/posts/{post}', name: 'post', description: 'One post of one user' }),
    ]);
    await c.close();
  });

  it('reads text with the definition mimeType, and text/plain without one', async () => {
    const c = await connect(server.url, transport);
    expect(await c.client.readResource({ uri: 'notes://today' })).toEqual({
      contents: [{ uri: 'notes://today', mimeType: 'text/markdown', text: '# Today' }],
    });
    expect((await c.client.readResource({ uri: 'files://plain' })).contents).toEqual([
      { uri: 'files://plain', mimeType: 'text/plain', text: 'no mime type given' },
    ]);
    await c.close();
  });

  it('reads a Uint8Array as a base64 blob', async () => {
    const c = await connect(server.url, transport);
    const [logo] = (await c.client.readResource({ uri: 'files://logo' })).contents;
    expect(logo).toEqual({ uri: 'files://logo', mimeType: 'image/png', blob: Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 255]).toString('base64') });
    const [bytes] = (await c.client.readResource({ uri: 'files://bytes' })).contents;
    expect(bytes).toEqual({ uri: 'files://bytes', mimeType: 'application/octet-stream', blob: 'AQID' });
    await c.close();
  });

  it('passes a full ReadResourceResult through, filling in uri and mimeType', async () => {
    const c = await connect(server.url, transport);
    expect((await c.client.readResource({ uri: 'files://full' })).contents).toEqual([
      { uri: 'files://full', mimeType: 'text/csv', text: 'a,b' },
      { uri: 'files://full#2', mimeType: 'text/plain', text: 'second' },
    ]);
    await c.close();
  });

  it('reads a template with its variables, as JSON for a plain object', async () => {
    const c = await connect(server.url, transport);
    const [content] = (await c.client.readResource({ uri: 'users://42/posts/abc' })).contents;
    expect(content).toMatchObject({ uri: 'users://42/posts/abc', mimeType: 'application/json' });
    expect(JSON.parse((content as { text: string }).text)).toEqual({ uri: 'users://42/posts/abc', vars: { id: '42', post: 'abc' } });
    await c.close();
  });

  it('answers a read that returned nothing with an error naming the resource', async () => {
    const c = await connect(server.url, transport);
    await expect(c.client.readResource({ uri: 'files://empty' })).rejects.toMatchObject({
      code: -32603,
      message: expect.stringContaining('resource empty returned undefined for files://empty'),
    });
    await c.close();
  });

  it('answers an unknown uri with the resource-not-found error (-32002)', async () => {
    const c = await connect(server.url, transport);
    await expect(c.client.readResource({ uri: 'nothing://here' })).rejects.toMatchObject({ code: -32002 });
    await c.close();
  });

  it('sends updates only to sessions subscribed to the uri, and stops after unsubscribe', async () => {
    const watcher = await connect(server.url, transport, { name: 'watcher' });
    const bystander = await connect(server.url, transport, { name: 'bystander' });
    const actor = await connect(server.url, transport, { name: 'actor' });
    await Promise.all([watcher.streamReady, bystander.streamReady, actor.streamReady]);
    expect(await watcher.client.subscribeResource({ uri: 'counter://value' })).toEqual({});
    await watcher.client.subscribeResource({ uri: 'counter://other' });
    await bystander.client.subscribeResource({ uri: 'counter://other' });

    // Updates reach each session in order, so once `other` arrived, an earlier `value` update would have too.
    await actor.client.callTool({ name: 'bump', arguments: { uri: 'counter://value' } });
    await actor.client.callTool({ name: 'bump', arguments: { uri: 'counter://other' } });
    const updates = (c: typeof watcher) =>
      c.notifications.filter((n) => n.method === 'notifications/resources/updated').map((n) => n.params?.uri);
    await watcher.nextNotification('notifications/resources/updated');
    await bystander.nextNotification('notifications/resources/updated');
    await expect.poll(() => updates(watcher)).toEqual(['counter://value', 'counter://other']);
    expect(updates(bystander)).toEqual(['counter://other']);
    expect(updates(actor)).toEqual([]);
    expect((await watcher.client.readResource({ uri: 'counter://value' })).contents[0]).toMatchObject({ text: expect.stringMatching(/^\d+$/) });

    expect(await watcher.client.unsubscribeResource({ uri: 'counter://value' })).toEqual({});
    const since = watcher.notifications.length;
    await actor.client.callTool({ name: 'bump', arguments: { uri: 'counter://value' } });
    await actor.client.callTool({ name: 'bump', arguments: { uri: 'counter://other' } });
    await watcher.nextNotification('notifications/resources/updated', { since });
    expect(updates(watcher).slice(2)).toEqual(['counter://other']);

    await Promise.all([watcher.close(), bystander.close(), actor.close()]);
  });

  it('delivers updates sent with the exported notifyResourceUpdated outside any request', async () => {
    const watcher = await connect(server.url, transport);
    await watcher.streamReady;
    await watcher.client.subscribeResource({ uri: 'counter://value' });
    const result = await watcher.client.callTool({ name: 'bumpLater', arguments: { uri: 'counter://value' } });
    expect(result.content).toEqual([{ type: 'text', text: 'scheduled' }]);
    const update = await watcher.nextNotification('notifications/resources/updated');
    expect(update.params).toEqual({ uri: 'counter://value' });
    await watcher.close();
  });
});
