import { randomUUID } from 'node:crypto';
import {
  CLIENT_CAPABILITIES_META_KEY,
  CLIENT_INFO_META_KEY,
  inputRequired,
  LOG_LEVEL_META_KEY,
  MissingRequiredClientCapabilityError,
  PROTOCOL_VERSION_META_KEY,
  ProtocolError,
  Server,
  type CacheHint,
  type ServerContext,
} from '@modelcontextprotocol/server';
import type { LoggingLevel } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { HeldCalls } from '../modern/held-calls.js';
import { promoteAnswered, startCall, type TaskCallDeps } from '../modern/task-calls.js';
import { INPUT_CAPABLE, MODERN_CAPABILITIES, TABLE_METHODS, TASK_METHODS } from '../modern/revision.js';
import { ModernCall, type CallIdentity, type CallOutcome, type ExchangeSink } from '../modern/modern-call.js';
import type { ServerInfo } from '../protocol/mcp-methods.js';
import { RpcError } from '../protocol/rpc.js';
import type { MethodTable, SessionHost } from '../protocol/session.js';

const PARK_TIMEOUT_MS = 5 * 60_000;
/** See `Session.request`: the SDK client drops progress that shares a pipe read with the result. */
const PROGRESS_TO_RESULT_GAP_MS = 40;
const MAX_HELD = 1024;

export interface ModernConnectionOptions extends TaskCallDeps {
  methods: MethodTable;
  info: ServerInfo;
  /** Hot reload is on: lists may change at any moment, so clients must not cache them. */
  watching: boolean;
  onError(error: unknown, where: string): void;
}

export interface ModernConnection {
  server: Server;
  readonly running: number;
  close(): void;
}

function identityFrom(ctx: ServerContext): CallIdentity {
  const envelope = (ctx.mcpReq.envelope ?? {}) as Record<string, unknown>;
  return {
    transport: 'stdio',
    protocolVersion: envelope[PROTOCOL_VERSION_META_KEY] as string | undefined,
    clientCapabilities: (envelope[CLIENT_CAPABILITIES_META_KEY] as Record<string, unknown> | undefined) ?? {},
    clientInfo: envelope[CLIENT_INFO_META_KEY] as CallIdentity['clientInfo'],
    logLevel: envelope[LOG_LEVEL_META_KEY] as LoggingLevel | undefined,
  };
}

/**
 * What a stdio request's call writes to: notifications go out on the SDK's request context, and
 * its abort signal is the client cancelling. A class, not a literal with a getter (see
 * ContextAccessors: per-call getters keep whole calls alive through young-generation GCs).
 */
class RequestSink implements ExchangeSink {
  constructor(
    private readonly ctx: ServerContext,
    private readonly onProgress: () => void,
  ) {}

  notify(n: { method: string; params?: Record<string, unknown> }): Promise<void> {
    if (n.method === 'notifications/progress') this.onProgress();
    return this.ctx.mcpReq.notify(n as never);
  }

  onAbandoned(listener: () => void): () => void {
    const signal = this.ctx.mcpReq.signal;
    signal.addEventListener('abort', listener, { once: true });
    return () => signal.removeEventListener('abort', listener);
  }

  get abandoned(): boolean {
    return this.ctx.mcpReq.signal.aborted;
  }
}

/**
 * The SDK v2 `Server` that `serveStdio` pins for a connection opening in the 2026-07-28 era: the
 * SDK does the wire rules (envelope checks, `server/discover`, `subscriptions/listen`), and every
 * method is answered by the shared table through a `ModernCall`, as on HTTP. There are no
 * server → client requests on 2026 stdio: ctx.sample/elicit/roots become `input_required`
 * results whose retry (`requestState`) resumes the held call. Only plain JSON crosses between
 * the v2 objects here and the v1-typed code behind the table.
 */
export function modernConnection(options: ModernConnectionOptions): ModernConnection {
  const held = new HeldCalls({ timeoutMs: PARK_TIMEOUT_MS, max: MAX_HELD });
  const host: SessionHost = { methods: options.methods, onClose: () => undefined, onError: options.onError };
  let running = 0;

  async function serveCall(method: string, params: Record<string, unknown>, ctx: ServerContext): Promise<unknown> {
    const handler = options.methods[method];
    if (!handler) throw new ProtocolError(-32601, `Method not found: ${method}`);
    const state = ctx.mcpReq.requestState();
    let progressAt: number | undefined;
    const sink = new RequestSink(ctx, () => (progressAt = performance.now()));
    let call: ModernCall;
    let outcome: CallOutcome;
    try {
      if (typeof state === 'string') {
        const resumed = held.take(state, method, undefined);
        if (!resumed) throw new ProtocolError(-32602, 'Invalid or expired requestState', { reason: 'invalid_request_state' });
        call = resumed;
        call.answer(ctx.mcpReq.inputResponses);
        const created = await promoteAnswered(options, call, params);
        if (created) return created;
        outcome = await call.serve(sink);
      } else {
        const started = await startCall(options, method, params, identityFrom(ctx), host, handler, ctx.mcpReq.id);
        if ('answer' in started) return started.answer;
        call = started.call;
        call.preanswer(ctx.mcpReq.inputResponses);
        outcome = await call.start(sink, handler, ctx.mcpReq.id, params);
      }
    } catch (error) {
      throw error instanceof RpcError ? new ProtocolError(error.code, error.message, error.data) : error;
    }
    if (outcome.kind === 'result') {
      const wait = progressAt === undefined ? 0 : progressAt + PROGRESS_TO_RESULT_GAP_MS - performance.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      return outcome.value;
    }
    const refuse = (error: Error) => {
      call.abandon();
      throw error;
    };
    if (!INPUT_CAPABLE.has(method)) refuse(new ProtocolError(-32603, `${method} cannot ask the client for input in protocol revision 2026-07-28 (only tools/call, prompts/get and resources/read can)`));
    const missing = call.missingCapabilities(outcome.requests);
    if (missing) {
      const names = Object.keys(missing).map((k) => `"${k}"`).join(', ');
      refuse(new MissingRequiredClientCapabilityError({ requiredCapabilities: missing as never }, `This ${method} needs the client capabilities ${names}, which the request's clientCapabilities do not declare`));
    }
    if (held.isFull) refuse(new ProtocolError(-32603, 'Service Unavailable: too many calls are waiting for client input; try again later'));
    // A fresh token for every round: a state the client already used can never resume the call again.
    const token = randomUUID();
    held.hold(token, call, method);
    return inputRequired({ inputRequests: outcome.requests as never, requestState: token });
  }

  const lists: CacheHint = { ttlMs: options.watching ? 0 : 5 * 60_000, cacheScope: 'public' };
  const dynamic: CacheHint = { ttlMs: 0, cacheScope: 'private' };
  const server = new Server(
    { name: options.info.name, version: options.info.version },
    {
      capabilities: MODERN_CAPABILITIES,
      ...(options.info.instructions && { instructions: options.info.instructions }),
      cacheHints: { 'server/discover': lists, 'tools/list': lists, 'prompts/list': lists, 'resources/templates/list': lists, 'resources/list': dynamic, 'resources/read': dynamic },
    },
  );
  for (const method of TABLE_METHODS) {
    server.setRequestHandler(method, (async (request: { params?: Record<string, unknown> }, ctx: ServerContext) => {
      running++;
      try {
        return await serveCall(method, request.params ?? {}, ctx);
      } finally {
        running--;
      }
    }) as never);
  }
  for (const method of TASK_METHODS) {
    // Not methods the SDK knows for this revision: registered with a schema, as its era gate asks.
    server.setRequestHandler(method as never, { params: z.looseObject({ taskId: z.string() }) } as never, (async (params: Record<string, unknown>, ctx: ServerContext) => {
      // The SDK lifts `inputResponses` off the params of any request; tasks/update needs them back.
      const withResponses = ctx.mcpReq.inputResponses ? { ...params, inputResponses: ctx.mcpReq.inputResponses } : params;
      return serveCall(method, withResponses, ctx);
    }) as never);
  }
  return {
    server,
    get running() {
      return running;
    },
    close: () => held.abandonAll(),
  };
}
