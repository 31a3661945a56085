import type { ServerResponse } from 'node:http';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { messageEvent, type KeepaliveTicker } from './sse-transport.js';

/** What the GET stream keeps while it is gone: list changes and resource updates are small. */
const MISSED_BYTES = 64 * 1024;

/**
 * A Streamable HTTP session's GET stream, for what the server sends on its own (list changes,
 * resource updates). Its events are numbered `${key}-${n}` when streams are resumable; what is
 * sent while it is gone is kept for one resume window, for a client whose GET dropped.
 */
export class StandaloneStream {
  private res?: ServerResponse;
  private seq = 0;
  private missed?: { events: Array<{ n: number; event: string }>; bytes: number; timer: NodeJS.Timeout };

  constructor(
    private readonly key: string,
    private readonly resumeWindowMs: number,
    private readonly ticker?: KeepaliveTicker,
  ) {}

  get open(): boolean {
    return this.res !== undefined;
  }

  /** A `Last-Event-ID` of this stream (not of a POST stream). */
  owns(lastEventId: string): boolean {
    return lastEventId.startsWith(`${this.key}-`);
  }

  /** `res` (headers sent) carries the stream now; a resuming GET first gets what it missed. */
  attach(res: ServerResponse, lastEventId: string | undefined, sessionClosed: () => boolean): void {
    const missed = this.missed;
    this.missed = undefined;
    clearTimeout(missed?.timer);
    if (lastEventId !== undefined && missed) {
      const after = Number(lastEventId.slice(this.key.length + 1));
      for (const { n, event } of missed.events) if (n > after) res.write(event);
    }
    this.res = res;
    this.ticker?.add(res);
    res.once('close', () => {
      this.ticker?.delete(res);
      if (this.res !== res) return;
      this.res = undefined;
      if (this.resumeWindowMs > 0 && !sessionClosed()) {
        const timer = setTimeout(() => (this.missed = undefined), this.resumeWindowMs);
        timer.unref();
        this.missed = { events: [], bytes: 0, timer };
      }
    });
  }

  send(message: JSONRPCMessage): void {
    const n = ++this.seq;
    const event = messageEvent(message, this.resumeWindowMs > 0 ? `${this.key}-${n}` : undefined);
    if (this.res && !this.res.writableEnded) return void this.res.write(event);
    const missed = this.missed;
    if (!missed) return;
    missed.events.push({ n, event });
    missed.bytes += event.length;
    while (missed.bytes > MISSED_BYTES && missed.events.length > 0) missed.bytes -= missed.events.shift()!.event.length;
  }

  /** The session closes: nothing more is kept, and the open response (if any) is the caller's to end. */
  detach(): ServerResponse | undefined {
    const res = this.res;
    clearTimeout(this.missed?.timer);
    this.missed = undefined;
    this.res = undefined;
    return res;
  }
}
