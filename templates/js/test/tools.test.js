import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { createTestClient } from 'mcp-sse/testing';

const toolsDir = fileURLToPath(new URL('../tools', import.meta.url));
let client;

before(async () => {
  client = await createTestClient(toolsDir);
});
after(() => client.close());

const textOf = (result) => result.content[0]?.text ?? '';

describe('the tools folder', () => {
  it('loads without errors', async () => {
    assert.deepEqual(client.loadErrors, []);
    const { tools } = await client.listTools();
    assert.deepEqual(tools.map((t) => t.name).sort(), ['add', 'divide', 'multiply', 'random-joke', 'report', 'subtract']);
  });
});

describe('calculator', () => {
  for (const [name, a, b, expected] of [
    ['add', 6, 3, 9],
    ['subtract', 6, 3, 3],
    ['multiply', 6, 3, 18],
    ['divide', 6, 3, 2],
  ]) {
    it(`${name}(${a}, ${b}) = ${expected}`, async () => {
      const result = await client.callTool({ name, arguments: { a, b } });
      assert.ok(!result.isError, textOf(result));
      assert.deepEqual(result.structuredContent, { result: expected });
    });
  }

  it('refuses to divide by zero with a tool error', async () => {
    const result = await client.callTool({ name: 'divide', arguments: { a: 1, b: 0 } });
    assert.equal(result.isError, true);
    assert.match(textOf(result), /cannot divide by zero/i);
  });

  it('rejects arguments that are not numbers', async () => {
    const result = await client.callTool({ name: 'add', arguments: { a: 'one', b: 2 } });
    assert.equal(result.isError, true);
  });
});

// These tests never touch the internet: JOKE_API_URL points the tool at a local server.
describe('random-joke', () => {
  let api;
  let apiUrl;

  before(async () => {
    api = createServer((_req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ value: 'Chuck Norris can divide by zero.' }));
    });
    await new Promise((resolve) => api.listen(0, '127.0.0.1', resolve));
    apiUrl = `http://127.0.0.1:${api.address().port}/jokes/random`;
  });
  after(() => new Promise((resolve) => api.close(resolve)));

  it('returns the joke the API sends', async () => {
    process.env.JOKE_API_URL = apiUrl;
    const result = await client.callTool({ name: 'random-joke', arguments: {} });
    assert.ok(!result.isError, textOf(result));
    assert.equal(textOf(result), 'Chuck Norris can divide by zero.');
  });

  it('says clearly when the API cannot be reached', async () => {
    process.env.JOKE_API_URL = 'http://127.0.0.1:9/jokes/random'; // nothing listens on the discard port
    const result = await client.callTool({ name: 'random-joke', arguments: {} });
    assert.equal(result.isError, true);
    assert.match(textOf(result), /could not reach 127\.0\.0\.1:9 \(are you offline\?\)/i);
  });
});

// REPORT_STEP_MS makes a section take 1 ms instead of a second.
describe('report, a tool that runs as a task', () => {
  before(() => {
    process.env.REPORT_STEP_MS = '1';
  });

  it('runs as a task: the client gets a task id, polls it, then gets the report', async () => {
    const stream = client.experimental.tasks.callToolStream({ name: 'report', arguments: { topic: 'tides', sections: 2 } }, undefined, { task: {} });
    const messages = [];
    for await (const message of stream) messages.push(message);
    assert.equal(messages[0]?.type, 'taskCreated');
    const last = messages.at(-1);
    assert.equal(last.type, 'result', JSON.stringify(last));
    assert.match(textOf(last.result), /## Section 2/);
  });

  it('answers a plain call when done, with a progress notification for each section', async () => {
    const progress = [];
    const result = await client.callTool({ name: 'report', arguments: { topic: 'tides', sections: 2 } }, undefined, {
      onprogress: ({ message }) => progress.push(message),
    });
    assert.ok(!result.isError, textOf(result));
    assert.match(textOf(result), /^# tides/);
    assert.deepEqual(progress, ['writing section 1 of 2', 'writing section 2 of 2']);
  });
});

describe('resource and prompt', () => {
  it('serves the about page', async () => {
    const { contents } = await client.readResource({ uri: 'docs://about' });
    assert.equal(contents[0].mimeType, 'text/markdown');
  });

  it('builds the solve prompt', async () => {
    const { messages } = await client.getPrompt({ name: 'solve', arguments: { problem: '2 + 2' } });
    assert.match(JSON.stringify(messages), /Problem: 2 \+ 2/);
  });
});
