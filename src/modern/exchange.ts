import type { IncomingMessage, ServerResponse } from 'node:http';

export const SSE_HEADERS = {
  'Content-Type': 'text/event-stream',
  'Cache-Control': 'no-cache, no-transform',
  Connection: 'keep-alive',
  'X-Accel-Buffering': 'no',
};

export const frame = (message: unknown): string => `event: message\ndata: ${JSON.stringify(message)}\n\n`;

/** Writes one JSON answer with its length, so keep-alive clients need no chunked decoding. */
export function sendJson(res: ServerResponse, status: number, message: unknown): void {
  if (res.headersSent || res.destroyed) return;
  const text = JSON.stringify(message);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

/**
 * One 2026-07-28 request's HTTP exchange. The answer is a single JSON object unless something is
 * sent before it (progress, a log message): then the response turns into an event stream scoped to
 * the request, kept alive with comments, and the answer is its last event. The client closing the
 * response is the revision's cancellation.
 */
export class Exchange {
  private streaming = false;
  private keepalive?: NodeJS.Timeout;
  private closeListeners?: Array<() => void>;

  constructor(
    readonly req: IncomingMessage,
    private readonly res: ServerResponse,
    private readonly keepaliveMs: number,
  ) {}

  /** True once the client went away before the answer was written. */
  get abandoned(): boolean {
    return this.res.destroyed && !this.res.writableFinished;
  }

  /** Calls `listener` when the client closes the exchange before its answer; returns a remover. */
  onAbandoned(listener: () => void): () => void {
    if (!this.closeListeners) {
      this.closeListeners = [];
      this.res.once('close', () => {
        this.stopKeepalive();
        if (this.res.writableFinished) return;
        for (const l of this.closeListeners!.splice(0)) l();
      });
    }
    this.closeListeners.push(listener);
    return () => {
      const i = this.closeListeners?.indexOf(listener) ?? -1;
      if (i >= 0) this.closeListeners!.splice(i, 1);
    };
  }

  async notify(notification: { method: string; params?: Record<string, unknown> }): Promise<void> {
    if (this.res.destroyed || this.res.writableEnded) return;
    if (!this.streaming) {
      this.streaming = true;
      this.res.writeHead(200, SSE_HEADERS);
      if (this.keepaliveMs > 0) {
        this.keepalive = setInterval(() => this.res.write(': keepalive\n\n'), this.keepaliveMs);
        this.keepalive.unref();
      }
    }
    this.res.write(frame({ jsonrpc: '2.0', ...notification }));
  }

  /** The final answer: its own JSON response, or the stream's last event. */
  reply(message: unknown, status = 200): void {
    if (this.res.destroyed || this.res.writableEnded) return;
    if (!this.streaming) return sendJson(this.res, status, message);
    this.stopKeepalive();
    this.res.end(frame(message));
  }

  private stopKeepalive() {
    if (this.keepalive) clearInterval(this.keepalive);
    this.keepalive = undefined;
  }
}
