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

export function createLogger(options: { level?: LogLevel; format?: LogFormat; stream?: NodeJS.WritableStream } = {}): Logger {
  const stream = options.stream ?? process.stderr;
  const format = options.format ?? 'pretty';
  const color = format === 'pretty' && (stream as NodeJS.WriteStream).isTTY === true && !process.env.NO_COLOR;
  const paint = (style: Style, text: string) => (color ? styleText(style, text) : text);
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
      else stream.write(`${text}\n`);
    },
  };
  function write(level: Exclude<LogLevel, 'silent'>, message: string, fields?: Record<string, unknown>) {
    if (ORDER[level] < ORDER[logger.level]) return;
    if (format === 'json') {
      stream.write(`${JSON.stringify({ time: new Date().toISOString(), level, msg: message, ...fields })}\n`);
      return;
    }
    const tag =
      level === 'error' ? paint('red', 'error') : level === 'warn' ? paint('yellow', 'warn ') : level === 'debug' ? paint('gray', 'debug') : paint('cyan', 'mcp-sse');
    // Fields are for machines (json format); the pretty message already says it in words.
    stream.write(`${tag} ${message}\n`);
  }
  return logger;
}

export { styleText };
