import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serve, type ServeHandle } from '../helpers/cli.js';
import { connect, TRANSPORTS } from '../helpers/clients.js';
import { removeDir, tempDir } from '../helpers/temp.js';

const PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==';

let dir: string;
let server: ServeHandle;

beforeAll(async () => {
  dir = await tempDir({
    'defs/prompts.ts': `
      import { z } from 'zod';
      import { definePrompt, image, resource } from 'mcp-sse';
      export const greeting = definePrompt({
        name: 'greeting', title: 'Greeting', description: 'Greets someone',
        args: { name: z.string().describe('who to greet'), mood: z.enum(['happy', 'grumpy']).optional() },
        get: ({ name, mood }) => \`Say hello to \${name}\${mood ? ' in a ' + mood + ' way' : ''}\`,
        complete: {
          name: (value) => ['alice', 'albert', 'bob'].filter((n) => n.startsWith(value)),
          mood: (value, ctx) => (ctx.arguments.name === 'bob' ? ['grumpy'] : ['happy', 'grumpy']),
        },
      });
      export const dialogue = definePrompt({
        name: 'dialogue', description: 'A short exchange',
        get: () => [
          { role: 'user', content: 'Hi' },
          { role: 'assistant', content: 'Hello! How can I help?' },
        ],
      });
      export const rich = definePrompt({
        name: 'rich', description: 'A full result with an embedded resource and an image',
        args: { uri: z.string() },
        get: ({ uri }) => ({
          description: 'rich on ' + uri,
          messages: [
            { role: 'user', content: resource({ uri, mimeType: 'text/plain', text: 'the file' }) },
            { role: 'user', content: image('${PNG}', 'image/png') },
            { role: 'user', content: { type: 'text', text: 'What do you see?' } },
          ],
        }),
      });
      export const many = definePrompt({
        name: 'many', description: 'More completions than one answer holds',
        args: { n: z.string() },
        get: ({ n }) => n,
        complete: { n: () => Array.from({ length: 150 }, (_, i) => String(i)) },
      });`,
    'defs/template.ts': `
      import { defineResource } from 'mcp-sse';
      export default defineResource({
        uriTemplate: 'repo://{owner}/{name}', name: 'repo',
        read: (_uri, { owner, name }) => owner + '/' + name,
        complete: {
          owner: (value) => ['modelcontextprotocol', 'microsoft'].filter((o) => o.startsWith(value)),
          name: (value, ctx) => (ctx.arguments.owner === 'modelcontextprotocol' ? ['typescript-sdk', 'inspector'] : ['vscode']),
        },
      });`,
  });
  server = await serve(`${dir}/defs`);
});

afterAll(async () => {
  await server?.stop();
  await removeDir(dir);
});

describe.each(TRANSPORTS)('prompts and completion over %s', (transport) => {
  it('lists prompts with arguments derived from zod', async () => {
    const c = await connect(server.url, transport);
    const { prompts } = await c.client.listPrompts();
    expect(prompts.find((p) => p.name === 'greeting')).toEqual({
      name: 'greeting',
      title: 'Greeting',
      description: 'Greets someone',
      arguments: [
        { name: 'name', description: 'who to greet', required: true },
        { name: 'mood', required: false },
      ],
    });
    expect(prompts.find((p) => p.name === 'dialogue')).toMatchObject({ name: 'dialogue', description: 'A short exchange' });
    await c.close();
  });

  it('turns a returned string into one user message', async () => {
    const c = await connect(server.url, transport);
    expect(await c.client.getPrompt({ name: 'greeting', arguments: { name: 'Ada', mood: 'happy' } })).toEqual({
      description: 'Greets someone',
      messages: [{ role: 'user', content: { type: 'text', text: 'Say hello to Ada in a happy way' } }],
    });
    await c.close();
  });

  it('rejects arguments that do not match the zod args with -32602', async () => {
    const c = await connect(server.url, transport);
    await expect(c.client.getPrompt({ name: 'greeting', arguments: { mood: 'happy' } })).rejects.toMatchObject({ code: -32602 });
    await expect(c.client.getPrompt({ name: 'greeting', arguments: { name: 'x', mood: 'sad' } })).rejects.toMatchObject({ code: -32602 });
    await expect(c.client.getPrompt({ name: 'nope' })).rejects.toMatchObject({ code: -32602 });
    await c.close();
  });

  it('turns an array of messages with string content into text blocks', async () => {
    const c = await connect(server.url, transport);
    const { messages } = await c.client.getPrompt({ name: 'dialogue' });
    expect(messages).toEqual([
      { role: 'user', content: { type: 'text', text: 'Hi' } },
      { role: 'assistant', content: { type: 'text', text: 'Hello! How can I help?' } },
    ]);
    await c.close();
  });

  it('passes a full result with an embedded resource and an image through', async () => {
    const c = await connect(server.url, transport);
    expect(await c.client.getPrompt({ name: 'rich', arguments: { uri: 'file:///a.txt' } })).toEqual({
      description: 'rich on file:///a.txt',
      messages: [
        { role: 'user', content: { type: 'resource', resource: { uri: 'file:///a.txt', mimeType: 'text/plain', text: 'the file' } } },
        { role: 'user', content: { type: 'image', data: PNG, mimeType: 'image/png' } },
        { role: 'user', content: { type: 'text', text: 'What do you see?' } },
      ],
    });
    await c.close();
  });

  it('completes prompt arguments, with the arguments given so far in ctx.arguments', async () => {
    const c = await connect(server.url, transport);
    const names = await c.client.complete({ ref: { type: 'ref/prompt', name: 'greeting' }, argument: { name: 'name', value: 'al' } });
    expect(names.completion).toEqual({ values: ['alice', 'albert'], total: 2, hasMore: false });
    const moods = await c.client.complete({
      ref: { type: 'ref/prompt', name: 'greeting' },
      argument: { name: 'mood', value: '' },
      context: { arguments: { name: 'bob' } },
    });
    expect(moods.completion.values).toEqual(['grumpy']);
    await c.close();
  });

  it('completes resource-template variables', async () => {
    const c = await connect(server.url, transport);
    const ref = { type: 'ref/resource' as const, uri: 'repo://{owner}/{name}' };
    const owners = await c.client.complete({ ref, argument: { name: 'owner', value: 'mo' } });
    expect(owners.completion.values).toEqual(['modelcontextprotocol']);
    const repos = await c.client.complete({ ref, argument: { name: 'name', value: '' }, context: { arguments: { owner: 'modelcontextprotocol' } } });
    expect(repos.completion.values).toEqual(['typescript-sdk', 'inspector']);
    await c.close();
  });

  it('answers { values: [] } where no completer exists, and caps a long list at 100 with hasMore', async () => {
    const c = await connect(server.url, transport);
    const none = await c.client.complete({ ref: { type: 'ref/prompt', name: 'rich' }, argument: { name: 'uri', value: 'f' } });
    expect(none.completion).toEqual({ values: [] });
    const many = await c.client.complete({ ref: { type: 'ref/prompt', name: 'many' }, argument: { name: 'n', value: '' } });
    expect(many.completion).toMatchObject({ total: 150, hasMore: true });
    expect(many.completion.values).toHaveLength(100);
    await expect(
      c.client.complete({ ref: { type: 'ref/prompt', name: 'missing' }, argument: { name: 'x', value: '' } }),
    ).rejects.toMatchObject({ code: -32602 });
    await c.close();
  });
});
