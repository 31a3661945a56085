import type { Stream } from 'node:stream';

/**
 * Something that grows as events arrive (a stream's text, a list of notifications) and the tests
 * waiting on it: `changed()` after each arrival wakes them, `until(find)` resolves with the first
 * value `find` returns (anything but undefined or null), rejects with what `find` throws (it will
 * never come), or rejects after `timeoutMs`.
 */
export function waitable() {
  const waiters = new Set<() => void>();
  return {
    changed(): void {
      for (const wake of waiters) wake();
    },
    until<T>(find: () => T | undefined | null, timeoutMs: number, describeMiss: () => string): Promise<T> {
      return new Promise<T>((resolve, reject) => {
        const check = () => {
          let found: T | undefined | null;
          try {
            found = find();
          } catch (error) {
            cleanup();
            return reject(error);
          }
          if (found === undefined || found === null) return;
          cleanup();
          resolve(found);
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(new Error(describeMiss()));
        }, timeoutMs);
        const cleanup = () => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
        check();
      });
    },
  };
}

/** The text a stream carries (a spawned server's stderr), and a way to wait for a match in it. */
export function followStderr(stream: Stream | null) {
  let text = '';
  const arrivals = waitable();
  stream?.on('data', (chunk: Buffer) => {
    text += chunk.toString();
    arrivals.changed();
  });
  return {
    text: () => text,
    waitFor: (pattern: RegExp) => arrivals.until(() => text.match(pattern), 15_000, () => `no ${pattern} on stderr:\n${text}`),
  };
}
