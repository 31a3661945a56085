import type { ServerResponse } from 'node:http';

export interface StuckLimits {
  /** Bytes already waiting in the response's buffer when more is written; none: no such cap. */
  maxBytes?: number;
  /** How long a backlog may sit without the client taking any of it. */
  stallMs: number;
}

/**
 * Cuts a response whose client stopped reading: once a backlog has not shrunk at all for
 * `stallMs` (a client that reads, however slowly, makes progress and is kept), or, with
 * `maxBytes`, once more than that already waits when more is written. A stuck client then costs
 * its session, never the process's memory. `onStuck` runs once, however many writes follow.
 * Wrapped around the Streamable HTTP responses, whose writes come from the transport, the 2026
 * relay and keepalives alike, and around the legacy SSE stream, whose transport also holds
 * messages back while its backlog is over the cap, so it needs no byte cap here.
 */
export function capBuffered(res: ServerResponse, limits: StuckLimits, onStuck: () => void): void {
  let stall: NodeJS.Timeout | undefined;
  let given = 0;
  // Bytes the socket took: what we gave minus what still waits (chunk framing makes it a little
  // off, never by enough to look like progress). A chunk counts as taken only once all of it was,
  // so the kernel taking part of a large one shows as libuv's queue for it shrinking.
  const taken = () => given - res.writableLength;
  const inFlight = () => (res.socket as unknown as { _handle?: { writeQueueSize?: number } } | null)?._handle?.writeQueueSize ?? 0;
  const cut = () => {
    clearTimeout(stall);
    if (res.destroyed) return;
    res.destroy();
    onStuck();
  };
  const watch = (mark: number, queued: number) => {
    stall = setTimeout(() => {
      if (res.writableLength === 0) stall = undefined;
      else if (taken() <= mark && inFlight() >= queued) cut();
      else watch(taken(), inFlight());
    }, limits.stallMs).unref();
  };
  const write = res.write.bind(res) as (...args: unknown[]) => boolean;
  res.write = ((...args: unknown[]) => {
    // What already waited counts, not this chunk: one large result to a reading client is fine.
    const backlog = res.writableLength;
    const chunk = args[0];
    given += typeof chunk === 'string' ? Buffer.byteLength(chunk) : ((chunk as Uint8Array | undefined)?.byteLength ?? 0);
    const ok = write(...args);
    if (limits.maxBytes !== undefined && backlog > limits.maxBytes) cut();
    else if (!ok && !stall) watch(taken(), inFlight());
    return ok;
  }) as ServerResponse['write'];
  res.once('close', () => clearTimeout(stall));
}

/**
 * Ends a response the server is done with. A client that reads gets what was queued; one that
 * does not would hold the socket for good (end waits for the backlog), so after `ms` it is cut.
 */
export function endOrCut(res: ServerResponse, ms: number): void {
  if (res.destroyed) return;
  res.end();
  if (res.writableFinished) return;
  const timer = setTimeout(() => res.destroy(), ms).unref();
  res.once('close', () => clearTimeout(timer));
}
