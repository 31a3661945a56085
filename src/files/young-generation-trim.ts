import v8 from 'node:v8';
import { runInNewContext } from 'node:vm';

/** How long reloads must have been quiet before the trim starts: the end of a burst. */
const QUIET_MS = 1000;

/**
 * V8 only gives young-generation pages back at a GC that measures a low allocation rate since the
 * GC before it, over at least 5 s. So the trim is two collections: a cheap minor one that closes
 * the burst's measurement, and the full one this long after it, which then sees the rate idle.
 */
const IDLE_SPAN_MS = 6000;

/** Tries before giving up until the next reload, should the server be busy with requests meanwhile. */
const ATTEMPTS = 3;

/** Above this the young generation has grown for a burst (V8 starts it at 1 MB per semi-space). */
const GROWN_BYTES = 4 * 1024 * 1024;

type Collect = (options?: { type: 'minor' | 'major' }) => void;
let collect: Collect | undefined;

/**
 * The `gc` function, without asking users for `--expose-gc`: V8 installs it in contexts created
 * while the flag is on, so it is on only for the one context made to fetch it (the way Jest
 * measures heap use), and user code never sees a global `gc`.
 */
function collector(): Collect {
  if (collect) return collect;
  const exposed = (globalThis as { gc?: Collect }).gc;
  if (exposed) return (collect = exposed);
  v8.setFlagsFromString('--expose-gc');
  try {
    collect = runInNewContext('gc') as Collect;
  } finally {
    v8.setFlagsFromString('--no-expose-gc');
  }
  return collect;
}

function youngGenerationBytes(): number {
  return v8.getHeapSpaceStatistics().find((space) => space.space_name === 'new_space')?.space_size ?? 0;
}

/**
 * Compiling and evaluating files allocates in bursts, and V8 answers by growing its young
 * generation towards 32 MB. An idle server then never collects at the low allocation rate V8
 * waits for before shrinking it again, so every editing session would leave RSS that much higher
 * for the life of the process. Collecting once reloads go quiet returns it (a few ms for the
 * minor collection, about 15 ms for the full one on a 30 MB heap; once per burst, never while
 * files are changing).
 */
export class YoungGenerationTrim {
  private timer?: NodeJS.Timeout;

  /** Called after each reload; the trim waits for the last of a burst. */
  schedule(): void {
    this.later(QUIET_MS, () => this.attempt(ATTEMPTS));
  }

  /** Traffic in the idle span (requests, not reloads) can make V8 keep the pages: try again. */
  private attempt(left: number): void {
    if (left === 0 || youngGenerationBytes() <= GROWN_BYTES) return;
    collector()({ type: 'minor' });
    this.later(IDLE_SPAN_MS, () => {
      collector()({ type: 'major' });
      this.attempt(left - 1);
    });
  }

  private later(ms: number, run: () => void): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      run();
    }, ms);
    this.timer.unref();
  }

  cancel(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }
}
