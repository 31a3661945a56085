import type { ServerResponse } from 'node:http';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { JSONRPCMessage, MessageExtraInfo, RequestId } from '@modelcontextprotocol/sdk/types.js';
import { capBuffered, endOrCut } from './slow-consumer.js';
import { duplicateIdError } from '../protocol/rpc.js';

export const SSE_HEADERS = {
  'Content-Type': 'text/event-stream',
  // no-transform: compression proxies must not hold events back to compress them.
  'Cache-Control': 'no-cache, no-transform',
  Connection: 'keep-alive',
  // nginx buffers upstream responses unless told not to, which would hold every event.
  'X-Accel-Buffering': 'no',
} as const;

/**
 * One interval per keepalive period for all streams, instead of a timer per session: with ten
 * thousand idle sessions the difference is measurable in memory.
 */
export class KeepaliveTicker {
  private readonly streams = new Set<ServerResponse>();
  private timer?: NodeJS.Timeout;
  constructor(private readonly ms: number) {}
  add(res: ServerResponse) {
    this.streams.add(res);
    if (!this.timer) {
      this.timer = setInterval(() => {
        for (const stream of this.streams) stream.write(': keepalive\n\n');
      }, this.ms);
      this.timer.unref();
    }
  }
  delete(res: ServerResponse) {
    this.streams.delete(res);
    if (this.streams.size === 0 && this.timer) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }
}

const tickers = new Map<number, KeepaliveTicker>();
export function tickerFor(ms: number): KeepaliveTicker {
  let ticker = tickers.get(ms);
  if (!ticker) tickers.set(ms, (ticker = new KeepaliveTicker(ms)));
  return ticker;
}

/** One JSON-RPC message as an SSE event, as both transports frame it. */
export function messageEvent(message: JSONRPCMessage, id?: string): string {
  return `event: message\n${id === undefined ? '' : `id: ${id}\n`}data: ${serialise(message)}\n\n`;
}

/**
 * A response that cannot be serialised (a BigInt or a loop in what a resource or prompt returned;
 * tool results are checked before this) still answers its request, with an error.
 */
function serialise(message: JSONRPCMessage): string {
  try {
    return JSON.stringify(message);
  } catch (error) {
    const m = message as { id?: string | number; method?: unknown };
    if (m.id === undefined || m.method !== undefined) throw error;
    return JSON.stringify({ jsonrpc: '2.0', id: m.id, error: { code: -32603, message: `Internal error: the answer cannot be sent as JSON (${(error as Error).message})` } });
  }
}

export interface SseTransportOptions {
  sessionId: string;
  /** The POST URL sent in the `endpoint` event, already carrying the session id. */
  endpoint: string;
  keepaliveMs: number;
  /** Past this many queued bytes, further messages wait for the client to read. */
  maxBufferedBytes: number;
  /** How long a backlog may sit without the client reading any of it before the session is dropped. */
  writeTimeoutMs: number;
  onSlowConsumer?(): void;
}

/**
 * The legacy HTTP+SSE transport (2024-11-05): one long GET stream carries everything the server
 * sends; the client's messages arrive by POST and are handed over with `deliver`. Ours rather than
 * the SDK's deprecated one for keepalive comments, proxy headers, base paths and backpressure.
 */
export class SseServerTransport implements Transport {
  readonly sessionId: string;
  onmessage?: (message: JSONRPCMessage, extra?: MessageExtraInfo) => void;
  onclose?: () => void;
  onerror?: (error: Error) => void;
  private closed = false;
  /** Set when the transport cut the stream itself: the session tells its handlers why. */
  dropReason?: string;
  private readonly ticker?: KeepaliveTicker;
  /** Settles when the stream closes or the transport does, for writes whose callback never comes. */
  private readonly gone: Promise<void>;
  private markGone!: () => void;
  /** Messages leave in order; each waits its turn while the backlog is over the cap. */
  private turn: Promise<void> = Promise.resolve();

  constructor(
    private readonly res: ServerResponse,
    private readonly options: SseTransportOptions,
  ) {
    this.sessionId = options.sessionId;
    this.gone = new Promise((resolve) => (this.markGone = resolve));
    res.once('close', () => this.markGone());
    if (options.keepaliveMs > 0) this.ticker = tickerFor(options.keepaliveMs);
  }

  async start(): Promise<void> {
    const { res } = this;
    capBuffered(res, { stallMs: this.options.writeTimeoutMs }, () => {
      this.dropReason = 'the session was dropped: its client stopped reading';
      this.options.onSlowConsumer?.();
      // Now, not on the socket's 'close': handlers waiting on this stream are told at once.
      this.finish();
    });
    res.writeHead(200, SSE_HEADERS);
    res.write(`event: endpoint\ndata: ${this.options.endpoint}\n\n`);
    res.on('close', () => this.finish());
    res.on('error', (error) => this.onerror?.(error));
    this.ticker?.add(res);
  }

  /** Requests handed over and not answered yet: a second with one of their ids is refused. */
  private readonly inFlight = new Set<RequestId>();

  deliver(message: JSONRPCMessage, extra?: MessageExtraInfo): void {
    // Anything may arrive here (null, a number): the session answers what is not a message.
    const m = (typeof message === 'object' && message !== null ? message : {}) as { id?: RequestId; method?: unknown };
    if (m.id !== undefined && typeof m.method === 'string') {
      if (this.inFlight.has(m.id)) {
        this.send(duplicateIdError(m.id)).catch(() => undefined);
        return;
      }
      this.inFlight.add(m.id);
    } else if (m.method === 'notifications/cancelled') {
      // A cancelled request gets no answer: its id is free again.
      this.inFlight.delete((message as { params?: { requestId?: RequestId } }).params?.requestId ?? '');
    }
    this.onmessage?.(message, extra);
  }

  async send(message: JSONRPCMessage): Promise<void> {
    if (this.closed) throw new Error('SSE stream is closed');
    const m = message as { id?: RequestId; method?: unknown };
    if (m.id !== undefined && m.method === undefined) this.inFlight.delete(m.id);
    const written = this.turn.then(() => this.write(message));
    this.turn = written.then(
      () => undefined,
      () => undefined,
    );
    await written;
  }

  /**
   * A client that reads gets everything, however much was sent at once: past the cap, messages
   * wait for it to drain instead of piling up (memory stays bounded), and one that stops
   * reading altogether is cut by capBuffered once its backlog stalls for the write timeout.
   */
  private async write(message: JSONRPCMessage): Promise<void> {
    const { res } = this;
    while (!this.closed && res.writableLength > this.options.maxBufferedBytes) {
      await Promise.race([new Promise((resolve) => res.once('drain', resolve)), this.gone]);
    }
    if (this.closed) throw new Error('SSE stream is closed');
    // Resolves once the event left for the socket (or the stream died), so that callers can order
    // what follows after it.
    const written = new Promise<void>((resolve) => {
      res.write(messageEvent(message), () => resolve());
    });
    await Promise.race([written, this.gone]);
  }

  async close(): Promise<void> {
    if (!this.closed) endOrCut(this.res, this.options.writeTimeoutMs || 30_000);
    this.finish();
  }

  private finish() {
    if (this.closed) return;
    this.closed = true;
    this.markGone();
    this.ticker?.delete(this.res);
    this.onclose?.();
  }
}
