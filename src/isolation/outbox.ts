/**
 * Messages for the other side of a worker's IPC channel, sent together once per event-loop turn.
 * A message's cost is mostly its own pipe write, wake-up and parse, not its bytes: with 16
 * calls in flight, one write of 16 calls (or answers) costs about what one call's did. The
 * batch goes out in the check phase right after the I/O that queued it (`setImmediate`), so a
 * call waits for nothing but the other requests that arrived in the same turn.
 */
export class Outbox<T> {
  private queued: T[] = [];
  private scheduled = false;

  constructor(private readonly write: (batch: T[]) => void) {}

  push(message: T): void {
    this.queued.push(message);
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(this.flush);
  }

  /** Sends what is queued now: before code that may never give the event loop back, or on exit. */
  readonly flush = (): void => {
    this.scheduled = false;
    if (this.queued.length === 0) return;
    const batch = this.queued;
    this.queued = [];
    this.write(batch);
  };
}
