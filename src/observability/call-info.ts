import type { Registry } from '../protocol/registry.js';
import type { MethodTable, RequestInfo, Session } from '../protocol/session.js';
import { RpcError } from '../protocol/rpc.js';
import { AbortReason } from '../protocol/session.js';
import { isExtensionEra } from '../protocol/tasks/task-methods.js';

export type CallKind = 'tool' | 'resource' | 'prompt' | 'other';
export type Outcome = 'ok' | 'isError' | 'error' | 'cancelled';

/** One request as observers see it: what was asked, by whom, over what. */
export interface CallStart {
  method: string;
  kind: CallKind;
  /** The tool, prompt or resource definition's name (never a resource URI: unbounded). */
  name?: string;
  uri?: string;
  session: Session;
  params: Record<string, unknown>;
  request: RequestInfo;
}

export interface CallEnd {
  outcome: Outcome;
  /** The JSON-RPC error code an `error` outcome is answered with. */
  code?: number;
  message?: string;
  ms: number;
  result?: unknown;
}

export interface CallObserver {
  end(call: CallStart, end: CallEnd): void;
}

/** Runs the call inside something (a trace span); must return what `run` returns. */
export type CallAround = (call: CallStart, run: () => Promise<unknown>) => Promise<unknown>;

/**
 * The semantic conventions' `network.transport` of a session: `pipe` for stdio, `tcp` for both
 * HTTP transports, `inproc` for an in-memory one (tests, embedding).
 */
export function networkTransportOf(session: Session): 'tcp' | 'pipe' | 'inproc' {
  return session.kind === 'stdio' ? 'pipe' : session.kind === 'memory' ? 'inproc' : 'tcp';
}

/** `2026` for 2026-07-28 requests (per-request envelopes), `2025` for sessions of the earlier revisions. */
export function eraOf(session: Session): '2025' | '2026' {
  return isExtensionEra(session) ? '2026' : '2025';
}

function describe(method: string, params: Record<string, unknown>, registry: Registry): Pick<CallStart, 'kind' | 'name' | 'uri'> {
  const str = (v: unknown) => (typeof v === 'string' ? v : undefined);
  switch (method) {
    case 'tools/call':
      return { kind: 'tool', name: str(params.name) };
    case 'prompts/get':
      return { kind: 'prompt', name: str(params.name) };
    case 'resources/read':
    case 'resources/subscribe':
    case 'resources/unsubscribe': {
      const uri = str(params.uri);
      return { kind: 'resource', uri, name: uri === undefined ? undefined : registry.findResource(uri)?.resource.name };
    }
    default:
      return { kind: 'other' };
  }
}

function endOf(result: unknown, error: unknown, started: number, session: Session, request: RequestInfo): CallEnd {
  const ms = performance.now() - started;
  if (error === undefined) {
    const isError = (result as { isError?: unknown } | null)?.isError === true;
    return { outcome: isError ? 'isError' : 'ok', ms, result };
  }
  if ((request.controller.reason as AbortReason | undefined)?.kind === 'cancelled' || error instanceof AbortReason) {
    return { outcome: 'cancelled', ms, message: (error as Error).message };
  }
  // What the session answers with: an RpcError's own code, -32603 for anything else.
  const code = error instanceof RpcError ? error.code : typeof (error as { code?: unknown })?.code === 'number' ? (error as { code: number }).code : -32603;
  return { outcome: 'error', code, ms, message: (error as Error)?.message ?? String(error) };
}

/**
 * Wraps every method of the table once, so each transport that answers from it (SSE, Streamable
 * HTTP, the 2026 entry, stdio) is observed the same way without knowing about it.
 */
export function instrumentMethods(
  table: MethodTable,
  registry: Registry,
  observers: CallObserver[],
  around?: () => CallAround | undefined,
): MethodTable {
  const wrapped: MethodTable = {};
  for (const [method, handler] of Object.entries(table)) {
    if (!handler) continue;
    wrapped[method] = async (session, params, request) => {
      const started = performance.now();
      const call: CallStart = { method, ...describe(method, params, registry), session, params, request };
      let result: unknown;
      let error: unknown;
      try {
        const wrap = around?.();
        result = await (wrap ? wrap(call, () => handler(session, params, request)) : handler(session, params, request));
        return result;
      } catch (thrown) {
        error = thrown ?? new Error(String(thrown));
        throw thrown;
      } finally {
        const end = endOf(result, error, started, session, request);
        for (const observer of observers) {
          try {
            observer.end(call, end);
          } catch {
            // an observer never breaks the call it watches
          }
        }
      }
    };
  }
  return wrapped;
}
