import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestClient, type TestClient } from 'mcp-sse/testing';

const toolsDir = fileURLToPath(new URL('../tools', import.meta.url));
let client: TestClient;

beforeAll(async () => {
  client = await createTestClient(toolsDir);
});
afterAll(() => client.close());

function textOf(result: Awaited<ReturnType<TestClient['callTool']>>): string {
  const [first] = result.content as Array<{ type: string; text?: string }>;
  return first?.text ?? '';
}

describe('the tools folder', () => {
  it('loads without errors', async () => {
    expect(client.loadErrors).toEqual([]);
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual(['add', 'divide', 'multiply', 'random-joke', 'report', 'roll-dice', 'subtract']);
  });
});

describe('calculator', () => {
  it.each([
    ['add', 6, 3, 9],
    ['subtract', 6, 3, 3],
    ['multiply', 6, 3, 18],
    ['divide', 6, 3, 2],
  ])('%s(%d, %d) = %d', async (name, a, b, expected) => {
    const result = await client.callTool({ name, arguments: { a, b } });
    expect(result.isError).toBeFalsy();
    expect(result.structuredContent).toEqual({ result: expected });
  });

  it('refuses to divide by zero with a tool error', async () => {
    const result = await client.callTool({ name: 'divide', arguments: { a: 1, b: 0 } });
    expect(result.isError).toBe(true);
    expect(textOf(result)).toMatch(/cannot divide by zero/i);
  });

  it('rejects arguments that are not numbers', async () => {
    const result = await client.callTool({ name: 'add', arguments: { a: 'one', b: 2 } });
    expect(result.isError).toBe(true);
  });
});

// These tests never touch the internet: JOKE_API_URL points the tool at a local server.
describe('random-joke', () => {
  let api: Server;
  let apiUrl: string;

  beforeAll(async () => {
    api = createServer((_req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ value: 'Chuck Norris can divide by zero.' }));
    });
    await new Promise<void>((resolve) => api.listen(0, '127.0.0.1', resolve));
    apiUrl = `http://127.0.0.1:${(api.address() as AddressInfo).port}/jokes/random`;
  });
  afterAll(() => new Promise((resolve) => api.close(resolve)));

  it('returns the joke the API sends', async () => {
    process.env.JOKE_API_URL = apiUrl;
    const result = await client.callTool({ name: 'random-joke', arguments: {} });
    expect(result.isError).toBeFalsy();
    expect(textOf(result)).toBe('Chuck Norris can divide by zero.');
  });

  it('says clearly when the API cannot be reached', async () => {
    process.env.JOKE_API_URL = 'http://127.0.0.1:9/jokes/random'; // nothing listens on the discard port
    const result = await client.callTool({ name: 'random-joke', arguments: {} });
    expect(result.isError).toBe(true);
    expect(textOf(result)).toMatch(/could not reach 127\.0\.0\.1:9 \(are you offline\?\)/i);
  });
});

// REPORT_STEP_MS makes a section take 1 ms instead of a second.
describe('report, a tool that runs as a task', () => {
  beforeAll(() => {
    process.env.REPORT_STEP_MS = '1';
  });

  it('runs as a task: the client gets a task id, polls it, then gets the report', async () => {
    const stream = client.experimental.tasks.callToolStream({ name: 'report', arguments: { topic: 'tides', sections: 2 } }, undefined, { task: {} });
    const messages = [];
    for await (const message of stream) messages.push(message);
    expect(messages[0]?.type).toBe('taskCreated');
    const last = messages.at(-1)!;
    expect(last.type, JSON.stringify(last)).toBe('result');
    if (last.type === 'result') expect(textOf(last.result)).toContain('## Section 2');
  });

  it('answers a plain call when done, with a progress notification for each section', async () => {
    const progress: unknown[] = [];
    const result = await client.callTool({ name: 'report', arguments: { topic: 'tides', sections: 2 } }, undefined, {
      onprogress: ({ message }) => progress.push(message),
    });
    expect(result.isError).toBeFalsy();
    expect(textOf(result)).toMatch(/^# tides/);
    expect(progress).toEqual(['writing section 1 of 2', 'writing section 2 of 2']);
  });
});

describe('roll-dice, a tool with a view', () => {
  it('rolls the dice it is asked for', async () => {
    const result = await client.callTool({ name: 'roll-dice', arguments: { count: 3, sides: 4 } });
    const { rolls, total } = result.structuredContent as { rolls: number[]; total: number };
    expect(rolls).toHaveLength(3);
    for (const roll of rolls) expect(roll >= 1 && roll <= 4).toBe(true);
    expect(total).toBe(rolls.reduce((a, b) => a + b, 0));
  });

  it('names its view, which is one HTML document with the script and style bundled in', async () => {
    const { tools } = await client.listTools();
    const uri = (tools.find((t) => t.name === 'roll-dice')!._meta as { ui: { resourceUri: string } }).ui.resourceUri;
    expect(uri).toBe('ui://roll-dice/dice.html');
    const { contents } = await client.readResource({ uri });
    const view = contents[0] as { mimeType: string; text: string };
    expect(view.mimeType).toBe('text/html;profile=mcp-app');
    expect(view.text.includes('Roll again')).toBe(true);
    expect(view.text.includes('src="./_dice-view.ts"')).toBe(false);
    expect(view.text).toContain('<script type="module">');
    expect(view.text.includes('callServerTool')).toBe(true);
  });
});

describe('resource and prompt', () => {
  it('serves the about page', async () => {
    const { contents } = await client.readResource({ uri: 'docs://about' });
    expect(contents[0]).toMatchObject({ mimeType: 'text/markdown' });
  });

  it('builds the solve prompt', async () => {
    const { messages } = await client.getPrompt({ name: 'solve', arguments: { problem: '2 + 2' } });
    expect(JSON.stringify(messages)).toContain('Problem: 2 + 2');
  });
});
