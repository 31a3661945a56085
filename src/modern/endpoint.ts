import type { IncomingMessage, ServerResponse } from 'node:http';
import { sendRpcError } from '../http/body.js';
import { forwardToHolder, RELAYED_HEADER } from '../http/relay.js';
import { checkParamHeaders, type ParamHeader } from '../definitions/param-headers.js';
import type { ServerInfo } from '../protocol/mcp-methods.js';
import type { LoadedTask } from '../definitions/definitions.js';
import type { Tasks } from '../protocol/tasks/tasks.js';
import type { ListChanges } from '../protocol/registry.js';
import type { SessionDirectory } from '../protocol/session-directory.js';
import type { MethodTable, SessionHost } from '../protocol/session.js';
import { HEADER_MISMATCH, standardHeaderRefusal, type Refusal } from './envelope.js';
import { classify } from './era.js';
import { Exchange, sendJson } from './exchange.js';
import { HeldCalls, heldKey } from './held-calls.js';
import { ListenStreams, type ListenTasks } from './listen.js';
import { createMethodCalls, identityFrom } from './method-calls.js';
import { identityOf } from '../protocol/identity.js';
import { declaresTasks } from '../protocol/tasks/task-methods.js';
import { createResultStamp, SUPPORTED_VERSIONS } from './results.js';
import { TABLE_METHODS, TASK_METHODS } from './revision.js';

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
  /** Tasks, shared with the 2025 sessions; and how a served tool runs as one. */
  tasks?: Tasks;
  taskOf?(tool: string): LoadedTask | undefined;
}

export interface ModernEndpoint {
  serve(req: IncomingMessage, res: ServerResponse, body: unknown): Promise<void>;
  /** Registry changes, for open `subscriptions/listen` streams. */
  listChanged(changes: ListChanges): void;
  resourceUpdated(uri: string): void;
  /** Calls being served right now (not those waiting for the client), for a graceful shutdown. */
  readonly running: number;
  /** Open `subscriptions/listen` streams (metrics). */
  readonly listenStreams: number;
  close(): Promise<void>;
}

const SERVED_METHODS = new Set<string>([...TABLE_METHODS, ...TASK_METHODS]);
const PARK_TIMEOUT_MS = 5 * 60_000;

/** The directory entry naming the instance that keeps a task, where the task store is not shared. */
export const taskKey = (taskId: string): string => `task:${taskId}`;

function requestStateOf(body: unknown): string | undefined {
  const state = (body as { params?: { requestState?: unknown } } | null)?.params?.requestState;
  return typeof state === 'string' ? state : undefined;
}

function refuse(res: ServerResponse, refusal: Refusal, id: unknown) {
  const error = { code: refusal.code, message: refusal.message, ...(refusal.data !== undefined && { data: refusal.data }) };
  sendJson(res, refusal.status, { jsonrpc: '2.0', error, id: id ?? null });
}

/**
 * `/mcp` for 2026-07-28 clients, straight on Node's request and response: the revision's edge
 * checks (era, envelope, standard and `Mcp-Param-*` headers), then `server/discover`,
 * `subscriptions/listen`, or a method of the table every 2025 session answers from. There is no
 * server object per request: a request is its message, its exchange and, for a method, one call.
 */
export function createModernEndpoint(options: ModernEndpointOptions): ModernEndpoint {
  const held = new HeldCalls({ timeoutMs: options.parkTimeoutMs ?? PARK_TIMEOUT_MS, max: options.maxHeld, directory: options.directory });
  const host: SessionHost = { methods: options.methods, onClose: () => undefined, onError: options.onError };
  const results = createResultStamp(options);
  const listens = new ListenStreams({ max: options.maxHeld, keepaliveMs: options.keepaliveMs, serverInfo: results.serverInfo });
  const calls = createMethodCalls({ methods: options.methods, host, held, results, tasks: options.tasks, taskOf: options.taskOf });

  /** What a listen request may watch of tasks: its caller's own, with the extension declared. */
  function listenTasks(req: IncomingMessage, params: Record<string, unknown> | undefined): ListenTasks | undefined {
    const { tasks } = options;
    if (!tasks) return undefined;
    const identity = identityFrom(req, params);
    const owner = identityOf(identity.auth);
    return {
      declared: declaresTasks(identity.clientCapabilities),
      accept: async (ids) => (await Promise.all(ids.map(async (id) => ((await tasks.find(id, owner).catch(() => undefined)) ? id : undefined)))).filter((id): id is string => id !== undefined),
    };
  }
  const stopTaskChanges = options.tasks?.onChange((record) => listens.taskChanged(record));

  /** The instance holding the call a retry continues, when that is not this one. */
  async function holderOf(req: IncomingMessage, state: string) {
    const { directory } = options;
    if (!directory || held.has(state) || req.headers[RELAYED_HEADER]) return undefined;
    // An unreachable directory leaves the retry here, where it gets the expired-state error.
    const location = await directory.locate(heldKey(state)).catch(() => undefined);
    return location ? { location, directory, key: heldKey(state) } : undefined;
  }

  /**
   * The instance keeping a task this one does not know. Only `--workers` without Redis claims
   * tasks (each worker's store is its own); with Redis every instance reads the same records.
   */
  async function taskHolderOf(req: IncomingMessage, params: Record<string, unknown> | undefined) {
    const { directory, tasks } = options;
    const taskId = params?.taskId;
    if (!directory || !tasks || typeof taskId !== 'string' || req.headers[RELAYED_HEADER]) return undefined;
    if (await tasks.store.get(taskId).catch(() => undefined)) return undefined;
    const location = await directory.locate(taskKey(taskId)).catch(() => undefined);
    return location ? { location, directory, key: taskKey(taskId) } : undefined;
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

  async function serve(req: IncomingMessage, res: ServerResponse, body: unknown): Promise<void> {
    if (paramHeaderMismatch(req, res, body)) return;
    const state = requestStateOf(body);
    if (state !== undefined && options.directory) {
      const holder = await holderOf(req, state);
      if (holder) return forwardToHolder(holder.location, holder.directory, holder.key, req, res, body);
    }
    const route = classify(req, body);
    if (route.kind === 'refuse') return refuse(res, route.refusal, route.id);
    if (route.kind === 'legacy') {
      const refusal = { status: 400, code: -32022, message: 'Unsupported protocol version: the request did not name a protocol version', data: { supported: SUPPORTED_VERSIONS } };
      return refuse(res, refusal, null);
    }
    const { message, revision } = route;
    const id = route.isRequest ? message.id : null;
    if (revision === undefined || !SUPPORTED_VERSIONS.includes(revision)) {
      const requested = revision ?? 'unknown';
      return refuse(res, { status: 400, code: -32022, message: `Unsupported protocol version: ${requested}`, data: { supported: SUPPORTED_VERSIONS, requested } }, id);
    }
    if (!route.isRequest) {
      // The revision defines no client notifications over HTTP: accepted, and nothing to do.
      res.writeHead(202).end();
      return;
    }
    const { method } = message;
    const headers = standardHeaderRefusal(req, method, message.params, revision);
    if (headers) return refuse(res, headers, id);
    if (method === 'subscriptions/listen') return listens.serve(res, id!, message.params, listenTasks(req, message.params));
    if (method === 'server/discover') return sendJson(res, 200, { jsonrpc: '2.0', id, result: results.stamp(method, results.discover()) });
    if (method.startsWith('tasks/')) {
      const holder = await taskHolderOf(req, message.params);
      if (holder) return forwardToHolder(holder.location, holder.directory, holder.key, req, res, body);
    }
    if (!SERVED_METHODS.has(method) || !calls.has(method)) return refuse(res, { status: 404, code: -32601, message: 'Method not found' }, id);
    await calls.answer(method, message, new Exchange(req, res, options.keepaliveMs));
  }

  return {
    serve,
    listChanged: (changes) => listens.listChanged(changes),
    resourceUpdated: (uri) => listens.resourceUpdated(uri),
    get running() {
      return calls.running;
    },
    get listenStreams() {
      return listens.size;
    },
    async close() {
      stopTaskChanges?.();
      held.abandonAll();
      listens.closeAll();
    },
  };
}
