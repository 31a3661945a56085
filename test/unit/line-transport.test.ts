import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { LineTransport } from '../../src/stdio/line-transport.js';

function pipeOf() {
  const input = new PassThrough();
  const output = new PassThrough();
  const transport = new LineTransport(input, output);
  const received: unknown[] = [];
  transport.onmessage = (message) => void received.push(message);
  let written = '';
  output.on('data', (chunk: Buffer) => (written += chunk.toString()));
  return { input, transport, received, written: () => written };
}

describe('LineTransport (stdio framing)', () => {
  it('splits messages at newlines, across chunks, with CRLF and blank lines', async () => {
    const pipe = pipeOf();
    await pipe.transport.start();
    pipe.input.write('{"jsonrpc":"2.0","method":"a"}\n{"jsonrpc":"2.0",');
    pipe.input.write('"method":"b"}\r\n\n   \n{"jsonrpc":"2.0","method":"c"}');
    await new Promise((resolve) => setImmediate(resolve));
    expect(pipe.received.map((m) => (m as { method: string }).method)).toEqual(['a', 'b']);
    pipe.input.write('\n');
    await new Promise((resolve) => setImmediate(resolve));
    expect(pipe.received).toHaveLength(3);
  });

  it('answers a line that is not JSON with a parse error and keeps reading', async () => {
    const pipe = pipeOf();
    await pipe.transport.start();
    pipe.input.write('not json\n{"jsonrpc":"2.0","method":"ok"}\n');
    await new Promise((resolve) => setImmediate(resolve));
    expect(JSON.parse(pipe.written())).toEqual({ jsonrpc: '2.0', id: null, error: { code: -32700, message: 'Parse error: a line on stdin is not JSON' } });
    expect(pipe.received).toEqual([{ jsonrpc: '2.0', method: 'ok' }]);
  });

  it('writes one line per message, and closes when the input ends', async () => {
    const pipe = pipeOf();
    let closed = false;
    pipe.transport.onclose = () => (closed = true);
    await pipe.transport.start();
    await pipe.transport.send({ jsonrpc: '2.0', id: 1, result: { text: 'two\nlines' } });
    expect(pipe.written()).toBe('{"jsonrpc":"2.0","id":1,"result":{"text":"two\\nlines"}}\n');
    pipe.input.end();
    await new Promise((resolve) => setImmediate(resolve));
    expect(closed).toBe(true);
  });
});
