import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runToEnd, serve, type ServeHandle } from '../helpers/cli.js';
import { rawRequest } from '../helpers/raw-http.js';
import { removeDir, tempDir } from '../helpers/temp.js';

const TOOLS = {
  'tools/echo.ts': `
    import { defineTool } from 'mcp-sse';
    export default defineTool({ description: 'Echo', handler: () => 'echo' });`,
};
const INIT = JSON.stringify({ jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } } });

/** A raw connection that sends `head` and then keeps sending body bytes until the server closes it. */
function pushBody(port: number, head: string, chunk: () => string | undefined): Promise<{ reply: string; closedAfterMs: number }> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const socket = net.connect(port, '127.0.0.1');
    let reply = '';
    let timer: NodeJS.Timeout | undefined;
    socket.on('connect', () => {
      socket.write(head);
      const more = () => {
        const next = chunk();
        if (next !== undefined && !socket.destroyed) socket.write(next, () => (timer = setTimeout(more, 5)));
      };
      more();
    });
    socket.on('data', (d) => (reply += d.toString()));
    socket.on('error', () => undefined); // writing into a closed socket: EPIPE / ECONNRESET
    socket.on('close', () => {
      clearTimeout(timer);
      resolve({ reply, closedAfterMs: Date.now() - started });
    });
    setTimeout(() => {
      socket.destroy();
      reject(new Error(`the server kept the connection open for 20 s; got: ${reply.slice(0, 300)}`));
    }, 20_000).unref();
  });
}

let dir: string;
let server: ServeHandle;
beforeAll(async () => {
  dir = await tempDir(TOOLS);
  server = await serve(`${dir}/tools`, ['--no-watch', '--body-timeout', '1000']);
});
afterAll(async () => {
  await server?.stop();
  await removeDir(dir);
});

describe('request bodies', () => {
  it('serve --help shows --body-timeout and its default', async () => {
    const { output } = await runToEnd(['serve', '--help']);
    expect(output.replace(/\n\s+/g, ' ')).toMatch(/--body-timeout <ms>.*\(default: 10000\)/);
  });

  it('closes the connection after a 413 for a declared 100 MB body, without reading it', async () => {
    const block = 'x'.repeat(64 * 1024);
    const head = `POST /mcp HTTP/1.1\r\nHost: 127.0.0.1:${server.port}\r\nContent-Type: application/json\r\nAccept: application/json, text/event-stream\r\nContent-Length: ${100 * 1024 * 1024}\r\n\r\n`;
    let sent = 0;
    const { reply } = await pushBody(server.port, head, () => (sent++, block));
    expect(reply).toMatch(/^HTTP\/1\.1 413/);
    // Cut off long before the 1,600 blocks of the declared body went out.
    expect(sent).toBeLessThan(800);
    expect(reply.toLowerCase()).toMatch(/connection: close/);
  });

  it('answers 408 and closes the connection when a chunked body never ends', async () => {
    const head = `POST /mcp HTTP/1.1\r\nHost: 127.0.0.1:${server.port}\r\nContent-Type: application/json\r\nAccept: application/json, text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n`;
    let sent = 0;
    // A trickle: one byte every few ms, never the final chunk.
    const { reply, closedAfterMs } = await pushBody(server.port, head, () => (sent++ < 1 ? '1\r\n[\r\n' : undefined));
    expect(reply).toMatch(/^HTTP\/1\.1 408/);
    expect(reply.toLowerCase()).toMatch(/connection: close/);
    expect(closedAfterMs).toBeLessThan(8000);
  });

  it('accepts a body that starts with a UTF-8 byte order mark', async () => {
    const res = await rawRequest(server.mcpUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(INIT)]),
    });
    expect(res.status).toBe(200);
    expect(res.headers['mcp-session-id']).toBeTruthy();
  });
});
