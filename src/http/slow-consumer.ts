import type { ServerResponse } from 'node:http';

export interface StuckLimits {
  /** Bytes waiting in the response's buffer. */
  maxBytes: number;
  /** How long writes may wait for a full socket to drain. */
  stallMs: number;
}

/**
 * Cuts a response whose client stopped reading: once more than `maxBytes` wait in its buffer when
 * more is written, or
 * the socket has not drained for `stallMs`. A stuck client then costs its session, never the
 * process's memory. Wrapped around the Streamable HTTP responses, whose writes come from the
 * transport, the 2026 relay and keepalives alike. Our SSE transport checks its buffer in `send`.
 */
export function capBuffered(res: ServerResponse, limits: StuckLimits, onStuck: () => void): void {
  let stall: NodeJS.Timeout | undefined;
  const cut = () => {
    clearTimeout(stall);
    if (res.destroyed) return;
    res.destroy();
    onStuck();
  };
  const write = res.write.bind(res) as (...args: unknown[]) => boolean;
  res.write = ((...args: unknown[]) => {
    // What already waited counts, not this chunk: one large result to a reading client is fine.
    const backlog = res.writableLength;
    const ok = write(...args);
    if (backlog > limits.maxBytes) cut();
    else if (!ok && !stall) {
      stall = setTimeout(cut, limits.stallMs).unref();
      res.once('drain', () => {
        clearTimeout(stall);
        stall = undefined;
      });
    }
    return ok;
  }) as ServerResponse['write'];
  res.once('close', () => clearTimeout(stall));
}
