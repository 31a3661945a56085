import type { Logger } from '../logger.js';
import { identityOf } from '../protocol/identity.js';
import { eraOf, type CallEnd, type CallObserver, type CallStart } from './call-info.js';

const DEBUG_CHARS = 500;

function truncated(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length > DEBUG_CHARS ? `${text.slice(0, DEBUG_CHARS)}… (${text.length} chars)` : text;
}

/** Who made the call, briefly: a session id prefix, or the client's name for sessionless (2026) calls. */
function callerOf(call: CallStart): { session?: string; client?: string; subject?: string } {
  const { session } = call;
  return {
    ...(session.id && { session: session.id.slice(0, 8) }),
    ...(session.clientInfo?.name && { client: session.clientInfo.name }),
    ...(session.auth && { subject: identityOf(session.auth) }),
  };
}

/**
 * One line per request at info: method, name, outcome, duration, transport and era, caller.
 * Arguments and results only at debug, truncated: they may hold secrets and be megabytes.
 */
export function requestLog(logger: Logger): CallObserver {
  return {
    end(call: CallStart, end: CallEnd) {
      if (logger.level !== 'info' && logger.level !== 'debug') return;
      const { session } = call;
      const transport = session.kind;
      const era = eraOf(session);
      const outcome = end.outcome === 'error' ? `error ${end.code}` : end.outcome;
      const ms = Math.round(end.ms * 10) / 10;
      const who = session.id ? ` session ${session.id.slice(0, 8)}` : session.clientInfo?.name ? ` client ${session.clientInfo.name}` : '';
      const subject = session.auth ? ` as ${identityOf(session.auth)}` : '';
      const target = call.name ?? call.uri;
      const line = `${call.method}${target ? ` ${target}` : ''} ${outcome} ${ms} ms ${transport}/${era}${who}${subject}`;
      // The pretty format prints the line alone: its fields are built only for json and debug.
      const caller = logger.format === 'json' || logger.level === 'debug' ? callerOf(call) : undefined;
      const fields: Record<string, unknown> | undefined =
        caller
          ? {
              method: call.method,
              ...(call.name && { name: call.name }),
              ...(call.uri && { uri: call.uri }),
              outcome: end.outcome,
              ...(end.code !== undefined && { code: end.code }),
              durationMs: ms,
              transport,
              era,
              ...caller,
            }
          : undefined;
      if (logger.level === 'debug') {
        const args = truncated(call.method === 'tools/call' || call.method === 'prompts/get' ? call.params.arguments : call.params);
        const result = truncated(end.result) ?? end.message;
        logger.debug(`${line}${args ? ` args ${args}` : ''}${result ? ` → ${result}` : ''}`, { ...fields, arguments: args, result });
        return;
      }
      logger.info(line, fields);
    },
  };
}
