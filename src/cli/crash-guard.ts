import type { Logger } from '../logger.js';

/** A tool file's stray timer or promise must cost a log line, never the server. */
export function installCrashGuards(logger: Logger) {
  // A log reader that went away (`serve | head`) makes every write fail with EPIPE; reported as an
  // uncaught exception, that would be logged, fail again, and spin. Logs are best effort.
  for (const stream of [process.stdout, process.stderr]) stream.on('error', () => undefined);
  // These are the last resort: a handler that throws here ends the process, so neither the
  // formatting nor the logger may throw, whatever a tool threw (a Symbol, a null-prototype object,
  // an object whose toString or stack getter throws).
  const report = (what: string, thrown: unknown) => {
    try {
      logger.error(`${what} (the server keeps running): ${describeThrown(thrown)}`);
    } catch {
      try {
        process.stderr.write(`${what} (the server keeps running)\n`);
      } catch {
        // Nowhere left to say it.
      }
    }
  };
  process.on('uncaughtException', (error) => report('uncaught exception', error));
  process.on('unhandledRejection', (reason) => report('unhandled rejection', reason));
}

/**
 * Text for anything that was thrown, never throwing itself: tool code can throw a Symbol (which a
 * template string refuses), a null-prototype object (no toString), or an object whose `stack` or
 * `toString` is a getter that throws.
 */
export function describeThrown(thrown: unknown): string {
  try {
    if (thrown instanceof Error) {
      const stack = thrown.stack;
      if (typeof stack === 'string' && stack) return stack;
    }
  } catch {
    // fall through to the other forms
  }
  try {
    if (typeof thrown === 'string') return thrown;
    if (typeof thrown === 'symbol') return thrown.toString();
    if (thrown === null || typeof thrown !== 'object') return String(thrown);
  } catch {
    // fall through
  }
  try {
    const json = JSON.stringify(thrown);
    if (json !== undefined && json !== '{}') return json;
  } catch {
    // circular, BigInt, or a throwing toJSON
  }
  try {
    const text = String(thrown);
    if (text !== '[object Object]') return text;
  } catch {
    // no usable toString
  }
  try {
    return Object.prototype.toString.call(thrown);
  } catch {
    return 'a value that cannot be shown';
  }
}
