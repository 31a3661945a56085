import { styleText } from 'node:util';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';
export type LogFormat = 'pretty' | 'json';

const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 99 };

export interface Logger {
  level: LogLevel;
  /** Lines are for people (`pretty`) or one JSON object each (`json`). */
  readonly format?: LogFormat;
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
  /** Lines printed as they are (banner, code frames); in json format, one `info` record. */
  raw(text: string): void;
}

type Style = Parameters<typeof styleText>[0];

/**
 * Info and debug lines wait up to 10 ms and go out in one write: stderr
 * into a pipe is a synchronous syscall per write, which for one line per request cost a third
 * of the throughput. Warnings and errors go out at once, after what waits, so order is kept.
 */
const unflushed = new Set<() => void>();
let exitHooked = false;
const flushAll = () => {
  for (const flush of unflushed) flush();
};

export function createLogger(options: { level?: LogLevel; format?: LogFormat; stream?: NodeJS.WritableStream } = {}): Logger {
  const stream = options.stream ?? process.stderr;
  const format = options.format ?? 'pretty';
  const color = format === 'pretty' && (stream as NodeJS.WriteStream).isTTY === true && !process.env.NO_COLOR;
  const paint = (style: Style, text: string) => (color ? styleText(style, text) : text);
  let pending = '';
  const flush = () => {
    unflushed.delete(flush);
    if (!pending) return;
    const text = pending;
    pending = '';
    stream.write(text);
  };
  const emit = (text: string, now: boolean) => {
    pending += text;
    if (now || pending.length > 65_536) return flush();
    if (unflushed.has(flush)) return;
    unflushed.add(flush);
    // 10 ms, not the end of this turn: under load a turn answers one or two requests, and a write
    // per turn was still most of the log's cost. Exit, warnings and errors flush at once.
    if (unflushed.size === 1) setTimeout(flushAll, 10).unref();
    if (!exitHooked) {
      exitHooked = true;
      process.once('exit', flushAll);
    }
  };
  const logger: Logger = {
    level: options.level ?? 'info',
    format,
    debug: (m, f) => write('debug', m, f),
    info: (m, f) => write('info', m, f),
    warn: (m, f) => write('warn', m, f),
    error: (m, f) => write('error', m, f),
    raw(text) {
      if (ORDER[logger.level] > ORDER.info) return;
      if (format === 'json') write('info', text);
      else emit(`${text}\n`, false);
    },
  };
  function write(level: Exclude<LogLevel, 'silent'>, message: string, fields?: Record<string, unknown>) {
    if (ORDER[level] < ORDER[logger.level]) return;
    if (format === 'json') {
      emit(`${JSON.stringify({ time: new Date().toISOString(), level, msg: message, ...fields })}\n`, ORDER[level] >= ORDER.warn);
      return;
    }
    const tag =
      level === 'error' ? paint('red', 'error') : level === 'warn' ? paint('yellow', 'warn ') : level === 'debug' ? paint('gray', 'debug') : paint('cyan', 'mcp-sse');
    // Fields are for machines (json format); the pretty message already says it in words.
    emit(`${tag} ${message}\n`, ORDER[level] >= ORDER.warn);
  }
  return logger;
}

export { styleText };

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
