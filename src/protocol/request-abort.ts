/** Why a request's signal was aborted; handlers see it as `ctx.signal.reason`. */
export class AbortReason extends Error {
  constructor(
    readonly kind: 'cancelled' | 'timeout' | 'disconnected',
    message: string,
  ) {
    super(message);
    this.name = 'AbortError';
  }
}

/**
 * A request's abort state, with the `AbortController` made only when someone reads `signal`.
 * Node's AbortSignal is an EventTarget that costs microseconds to create and more to collect,
 * which on a plain tools/call was the largest single cost of the dispatch; most handlers never
 * look at their signal. Our own code checks `aborted`/`reason` and listens with `onAbort`.
 */
export class RequestAbort {
  private controller?: AbortController;
  private listeners?: Array<(reason: unknown) => void>;
  private abortReason?: unknown;
  private isAborted = false;

  get signal(): AbortSignal {
    if (!this.controller) {
      this.controller = new AbortController();
      if (this.isAborted) this.controller.abort(this.abortReason);
    }
    return this.controller.signal;
  }

  get aborted(): boolean {
    return this.isAborted;
  }

  get reason(): unknown {
    return this.abortReason;
  }

  abort(reason: unknown): void {
    if (this.isAborted) return;
    this.isAborted = true;
    this.abortReason = reason;
    this.controller?.abort(reason);
    const listeners = this.listeners;
    this.listeners = undefined;
    for (const listener of listeners ?? []) listener(reason);
  }

  /** Calls `listener` once on abort; returns a function that removes it. */
  onAbort(listener: (reason: unknown) => void): () => void {
    (this.listeners ??= []).push(listener);
    return () => {
      const i = this.listeners?.indexOf(listener) ?? -1;
      if (i >= 0) this.listeners!.splice(i, 1);
    };
  }
}
