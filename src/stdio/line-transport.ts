import type { Readable, Writable } from 'node:stream';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';

const MAX_LINE_BYTES = 16 * 1024 * 1024;

/**
 * Newline-delimited JSON-RPC on a pair of streams, as the stdio binding frames it. Lighter than
 * the SDK's stdio transports: a line is only `JSON.parse`d here, since the session (or the SDK v2
 * entry) checks each message's shape anyway, and writes are plain `write` calls that wait only
 * when the pipe pushes back.
 */
export class LineTransport implements Transport {
  onmessage?: Transport['onmessage'];
  onclose?: () => void;
  onerror?: (error: Error) => void;
  private buffered = '';
  private started = false;
  private closed = false;

  constructor(
    private readonly input: Readable,
    private readonly output: Writable,
  ) {}

  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    this.input.setEncoding('utf8');
    this.input.on('data', this.onData);
    this.input.once('end', this.onEnd);
    this.input.once('close', this.onEnd);
    this.input.on('error', (error: Error) => this.onerror?.(error));
    this.output.on('error', (error: Error) => {
      if (!this.closed) this.onerror?.(error);
    });
  }

  private readonly onData = (chunk: string) => {
    this.buffered += chunk;
    let newline: number;
    while ((newline = this.buffered.indexOf('\n')) >= 0) {
      const line = this.buffered.slice(0, newline).replace(/\r$/, '');
      this.buffered = this.buffered.slice(newline + 1);
      if (line.trim() !== '') this.receive(line);
      if (this.closed) return;
    }
    if (this.buffered.length > MAX_LINE_BYTES) {
      this.buffered = '';
      this.fail(-32600, `Invalid Request: a message longer than ${MAX_LINE_BYTES} bytes`);
    }
  };

  private receive(line: string): void {
    let message: unknown;
    try {
      message = JSON.parse(line);
    } catch {
      this.fail(-32700, 'Parse error: a line on stdin is not JSON');
      return;
    }
    this.onmessage?.(message as JSONRPCMessage);
  }

  private fail(code: number, message: string): void {
    void this.send({ jsonrpc: '2.0', id: null, error: { code, message } } as unknown as JSONRPCMessage);
  }

  private readonly onEnd = () => {
    void this.close();
  };

  /**
   * Resolves once the line is handed to the OS (what `ctx.progress` and `ctx.log` await), so a
   * handler that awaits its notifications has them on the pipe before its result. Still writes
   * after stdin ended: the client may keep reading until the process exits.
   */
  send(message: JSONRPCMessage): Promise<void> {
    if (this.output.destroyed || this.output.writableEnded) return Promise.resolve();
    return new Promise((resolve) => {
      this.output.write(`${JSON.stringify(message)}\n`, () => resolve());
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.input.off('data', this.onData);
    this.input.pause();
    this.onclose?.();
  }
}
