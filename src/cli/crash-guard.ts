import { describeThrown, type Logger } from '../logger.js';

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
