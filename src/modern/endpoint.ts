import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { toNodeHandler } from '@modelcontextprotocol/node';
import {
  CLIENT_CAPABILITIES_META_KEY,
  CLIENT_INFO_META_KEY,
  createMcpHandler,
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
import { sendRpcError } from '../http/body.js';
import { SERVER_CAPABILITIES, type ServerInfo } from '../protocol/mcp-methods.js';
import { checkParamHeaders, type ParamHeader } from '../definitions/param-headers.js';
import type { ListChanges } from '../protocol/registry.js';
import { RpcError } from '../protocol/rpc.js';
import type { MethodTable } from '../protocol/session.js';
import { forwardToHolder, RELAYED_HEADER } from '../http/relay.js';
import type { SessionDirectory } from '../protocol/session-directory.js';
import type { Session, SessionHost } from '../protocol/session.js';
import { HeldCalls, heldKey } from './held-calls.js';
import { ModernCall, type CallIdentity, type CallOutcome, type ExchangeSink } from './modern-call.js';

export interface ModernEndpointOptions {
  /** The same method table every 2025 session answers from. */
  methods: MethodTable;
  info: ServerInfo;
  /** Hot reload is on: lists may change at any moment, so clients must not cache them. */
  watching: boolean;
  /** Authentication is on: results may differ per caller, so no shared caches. */
  authenticated: boolean;
  keepaliveMs: number;
  /** Open `subscriptions/listen` streams, and calls waiting for the client's input, each at most this many. */
  maxHeld: number;
  onError(error: unknown, where: string): void;
  /** How long a call that asked for input waits for the client's retry. */
  parkTimeoutMs?: number;
  /** Scale-out: a retry that lands on another instance is relayed to the one holding its call. */
  directory?: SessionDirectory;
  /** The `x-mcp-header` declarations of a served tool, undefined for a tool not served. */
  paramHeaders(tool: string): ParamHeader[] | undefined;
}

export interface ModernEndpoint {
  serve(req: IncomingMessage, res: ServerResponse, body: unknown): Promise<void>;
  /** Registry changes, for open `subscriptions/listen` streams. */
  listChanged(changes: ListChanges): void;
  resourceUpdated(uri: string): void;
  /** Calls being served right now (not those waiting for the client), for a graceful shutdown. */
  readonly running: number;
  close(): Promise<void>;
}

/** Methods the 2026-07-28 revision keeps, served from the shared table. */
const SERVED_METHODS = [
  'tools/list',
  'tools/call',
  'resources/list',
  'resources/templates/list',
  'resources/read',
  'prompts/list',
  'prompts/get',
  'completion/complete',
] as const;
/** Methods whose 2026 result may be `input_required`: ctx.sample, ctx.elicit and ctx.roots work in them. */
const INPUT_CAPABLE = new Set<string>(['tools/call', 'prompts/get', 'resources/read']);
const PARK_TIMEOUT_MS = 5 * 60_000;
/** The revision's error for headers that disagree with the body. */
const HEADER_MISMATCH = -32020;
/** Lists that change only when files do: cacheable for a while when nothing watches the folder. */
const STATIC_LIST_TTL_MS = 5 * 60_000;

function cacheHints(options: ModernEndpointOptions): Partial<Record<string, CacheHint>> {
  const cacheScope = options.authenticated ? 'private' : 'public';
  const lists: CacheHint = { ttlMs: options.watching ? 0 : STATIC_LIST_TTL_MS, cacheScope };
  // Resource lists and reads run the definition's own code on every request: never cacheable.
  const dynamic: CacheHint = { ttlMs: 0, cacheScope: 'private' };
  return {
    'server/discover': lists,
    'tools/list': lists,
    'prompts/list': lists,
    'resources/templates/list': lists,
    'resources/list': dynamic,
    'resources/read': dynamic,
  };
}

function identityFrom(ctx: ServerContext): CallIdentity {
  const envelope = (ctx.mcpReq.envelope ?? {}) as Record<string, unknown>;
  return {
    protocolVersion: envelope[PROTOCOL_VERSION_META_KEY] as string | undefined,
    clientCapabilities: (envelope[CLIENT_CAPABILITIES_META_KEY] as Record<string, unknown> | undefined) ?? {},
    clientInfo: envelope[CLIENT_INFO_META_KEY] as CallIdentity['clientInfo'],
    logLevel: envelope[LOG_LEVEL_META_KEY] as LoggingLevel | undefined,
    auth: ctx.http?.authInfo as Session['auth'],
  };
}

function requestStateOf(body: unknown): string | undefined {
  const state = (body as { params?: { requestState?: unknown } } | null)?.params?.requestState;
  return typeof state === 'string' ? state : undefined;
}

function toProtocolError(error: unknown): unknown {
  if (error instanceof RpcError) return new ProtocolError(error.code, error.message, error.data);
  return error;
}

/**
 * `/mcp` for 2026-07-28 clients: the SDK v2 entry (`createMcpHandler`) does the wire protocol —
 * `server/discover`, envelopes, standard headers, `subscriptions/listen`, cache fields — and every
 * method is answered by the same table, registry and `ctx` as the 2025 sessions. Only plain JSON
 * crosses between the v2 objects here and the v1-typed code behind the table.
 */
export function createModernEndpoint(options: ModernEndpointOptions): ModernEndpoint {
  const held = new HeldCalls({ timeoutMs: options.parkTimeoutMs ?? PARK_TIMEOUT_MS, max: options.maxHeld, directory: options.directory });
  const host: SessionHost = {
    methods: options.methods,
    onClose: () => undefined,
    onError: options.onError,
  };
  const hints = cacheHints(options);
  let running = 0;

  async function run(method: string, request: { params?: Record<string, unknown> }, ctx: ServerContext): Promise<unknown> {
    running++;
    try {
      return await serveCall(method, request, ctx);
    } finally {
      running--;
    }
  }

  async function serveCall(method: string, request: { params?: Record<string, unknown> }, ctx: ServerContext): Promise<unknown> {
    const handler = options.methods[method];
    if (!handler) throw new ProtocolError(-32601, `Method not found: ${method}`);
    const state = ctx.mcpReq.requestState();
    const sink: ExchangeSink = { notify: (n) => ctx.mcpReq.notify(n as never), signal: ctx.mcpReq.signal };
    let call: ModernCall;
    let pending: Promise<CallOutcome>;
    if (typeof state === 'string') {
      const resumed = held.take(state, method, identityFrom(ctx).auth);
      if (!resumed) throw new ProtocolError(-32602, 'Invalid or expired requestState', { reason: 'invalid_request_state' });
      call = resumed;
      call.answer(ctx.mcpReq.inputResponses);
      pending = call.serve(sink);
    } else {
      call = new ModernCall(identityFrom(ctx), host);
      call.preanswer(ctx.mcpReq.inputResponses);
      pending = call.start(sink, handler, ctx.mcpReq.id, request.params ?? {});
    }
    // A fresh token for every round: a state the client already used can never resume the call again.
    const token = randomUUID();
    let outcome: CallOutcome;
    try {
      outcome = await pending;
    } catch (error) {
      throw toProtocolError(error);
    }
    if (outcome.kind === 'result') return outcome.value;
    if (!INPUT_CAPABLE.has(method)) {
      call.abandon();
      throw new ProtocolError(-32603, `${method} cannot ask the client for input in protocol revision 2026-07-28 (only tools/call, prompts/get and resources/read can)`);
    }
    const missing = call.missingCapabilities(outcome.requests);
    if (missing) {
      call.abandon();
      throw new MissingRequiredClientCapabilityError(
        { requiredCapabilities: missing as never },
        `This ${method} needs the client capabilities ${Object.keys(missing).map((k) => `"${k}"`).join(', ')}, which the request's clientCapabilities do not declare`,
      );
    }
    if (held.isFull) {
      call.abandon();
      throw new ProtocolError(-32603, 'Service Unavailable: too many calls are waiting for client input; try again later');
    }
    held.hold(token, call, method);
    return inputRequired({ inputRequests: outcome.requests as never, requestState: token });
  }

  function buildServer(): Server {
    const server = new Server(
      { name: options.info.name, version: options.info.version },
      {
        capabilities: SERVER_CAPABILITIES,
        ...(options.info.instructions && { instructions: options.info.instructions }),
        cacheHints: hints,
      },
    );
    for (const method of SERVED_METHODS) {
      server.setRequestHandler(method, ((request: { params?: Record<string, unknown> }, ctx: ServerContext) =>
        run(method, request, ctx)) as never);
    }
    return server;
  }

  const handler = createMcpHandler(buildServer, {
    legacy: 'reject',
    keepAliveMs: options.keepaliveMs,
    maxSubscriptions: options.maxHeld,
    onerror: (error) => options.onError(error, 'modern /mcp'),
  });
  const serveNode = toNodeHandler(handler, { onerror: (error) => options.onError(error, 'modern /mcp') });

  /** The instance holding the call a retry continues, when that is not this one. */
  async function holderOf(req: IncomingMessage, body: unknown) {
    const state = requestStateOf(body);
    const { directory } = options;
    if (!state || !directory || held.has(state) || req.headers[RELAYED_HEADER]) return undefined;
    // An unreachable directory leaves the retry here, where it gets the expired-state error.
    const location = await directory.locate(heldKey(state)).catch(() => undefined);
    return location ? { location, directory, key: heldKey(state) } : undefined;
  }

  /**
   * A tools/call whose `Mcp-Param-*` headers disagree with its arguments: refused with HTTP 400
   * and HeaderMismatch (-32020) before anything runs, as the revision requires.
   */
  function paramHeaderMismatch(req: IncomingMessage, res: ServerResponse, body: unknown): boolean {
    const message = body as { id?: unknown; method?: unknown; params?: { name?: unknown; arguments?: unknown } } | null;
    if (message?.method !== 'tools/call' || typeof message.params?.name !== 'string') return false;
    const declared = options.paramHeaders(message.params.name);
    if (!declared?.length) return false;
    const mismatch = checkParamHeaders(declared, message.params.arguments, (name) => {
      const value = req.headers[name];
      return Array.isArray(value) ? value.join(', ') : value;
    });
    if (!mismatch) return false;
    sendRpcError(res, 400, HEADER_MISMATCH, `Bad Request: the request headers and body disagree: ${mismatch.message}`, {}, {
      id: message.id,
      data: { mismatch: { header: mismatch.header } },
    });
    return true;
  }

  return {
    async serve(req, res, body) {
      if (paramHeaderMismatch(req, res, body)) return;
      const holder = await holderOf(req, body);
      if (holder) return forwardToHolder(holder.location, holder.directory, holder.key, req, res, body);
      return serveNode(req, res, body);
    },
    listChanged(changes) {
      if (changes.tools) handler.notify.toolsChanged();
      if (changes.resources) handler.notify.resourcesChanged();
      if (changes.prompts) handler.notify.promptsChanged();
    },
    resourceUpdated: (uri) => handler.notify.resourceUpdated(uri),
    get running() {
      return running;
    },
    async close() {
      held.abandonAll();
      await handler.close();
    },
  };
}
