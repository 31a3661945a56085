import type { ServerResponse } from 'node:http';
import type { ListChanges } from '../protocol/registry.js';
import { detailedTask, MISSING_CAPABILITY, TASKS_REQUIRED } from '../protocol/tasks/task-methods.js';
import type { TaskRecord } from '../protocol/tasks/task-store.js';
import { isPlainObject, SERVER_INFO_KEY, SUBSCRIPTION_ID_KEY } from './envelope.js';
import { frame, SSE_HEADERS } from './exchange.js';

/** What one `subscriptions/listen` stream asked for, reduced to what this server honours. */
interface Filter {
  toolsListChanged?: true;
  promptsListChanged?: true;
  resourcesListChanged?: true;
  resourceSubscriptions?: string[];
  /** Tasks (of the caller) whose every status change comes as `notifications/tasks`. */
  taskIds?: string[];
}

/** How a listen request may watch tasks: only with the extension declared, only the caller's own. */
export interface ListenTasks {
  declared: boolean;
  /** The ids of these the caller may watch. */
  accept(ids: string[]): Promise<string[]>;
}

interface Stream {
  res: ServerResponse;
  id: string | number;
  filter: Filter;
}

const FLAGS = ['toolsListChanged', 'promptsListChanged', 'resourcesListChanged'] as const;

/** The filter as sent, or undefined when it is not a SubscriptionFilter; unknown keys are dropped. */
function parseFilter(params: Record<string, unknown> | undefined): Filter | undefined {
  const requested = params?.notifications;
  if (!isPlainObject(requested)) return undefined;
  const honoured: Filter = {};
  for (const flag of FLAGS) {
    const value = requested[flag];
    if (value !== undefined && typeof value !== 'boolean') return undefined;
    if (value === true) honoured[flag] = true;
  }
  const uris = requested.resourceSubscriptions;
  if (uris !== undefined && !(Array.isArray(uris) && uris.every((u) => typeof u === 'string'))) return undefined;
  // Every capability these name is declared (tools, prompts, resources with listChanged and subscribe).
  if (uris && uris.length > 0) honoured.resourceSubscriptions = [...uris];
  const taskIds = requested.taskIds;
  if (taskIds !== undefined && !(Array.isArray(taskIds) && taskIds.every((t) => typeof t === 'string'))) return undefined;
  if (taskIds && taskIds.length > 0) honoured.taskIds = [...new Set(taskIds as string[])];
  return honoured;
}

/**
 * Open `subscriptions/listen` streams: list changes and resource updates fan out to those whose
 * filter asks for them. A stream is its response and its filter, nothing more; one timer keeps
 * them all alive, so ten thousand idle streams cost little beyond their sockets.
 */
export class ListenStreams {
  private readonly open = new Set<Stream>();
  private keepalive?: NodeJS.Timeout;

  constructor(
    private readonly options: { max: number; keepaliveMs: number; serverInfo: { name: string; version: string } },
  ) {}

  get size(): number {
    return this.open.size;
  }

  /** Answers a listen request: an error as JSON, or the stream, acknowledged with the honoured filter. */
  async serve(res: ServerResponse, id: string | number, params: Record<string, unknown> | undefined, tasks?: ListenTasks): Promise<void> {
    if (this.open.size >= this.options.max) return error(res, id, -32603, 'Subscription limit reached');
    const filter = parseFilter(params);
    if (!filter) return error(res, id, -32602, "Invalid params: 'notifications' is required and must be a valid SubscriptionFilter");
    if (filter.taskIds) {
      if (!tasks?.declared) return error(res, id, MISSING_CAPABILITY, 'Watching tasks needs the "io.modelcontextprotocol/tasks" extension in the request\'s clientCapabilities', TASKS_REQUIRED);
      // Unknown ids, and other callers' tasks, are left out of the acknowledgement.
      const accepted = await tasks.accept(filter.taskIds);
      if (accepted.length > 0) filter.taskIds = accepted;
      else delete filter.taskIds;
      if (res.destroyed) return;
    }
    res.writeHead(200, SSE_HEADERS);
    res.write(frame({ jsonrpc: '2.0', method: 'notifications/subscriptions/acknowledged', params: { notifications: filter, _meta: { [SUBSCRIPTION_ID_KEY]: id } } }));
    const stream: Stream = { res, id, filter };
    // Nothing honoured: nothing will ever come, so the stream ends at once, cleanly.
    if (Object.keys(filter).length === 0) return this.finish(stream);
    this.open.add(stream);
    res.once('close', () => this.drop(stream));
    this.armKeepalive();
  }

  listChanged(changes: ListChanges): void {
    if (changes.tools) this.publish('notifications/tools/list_changed', (f) => f.toolsListChanged === true);
    if (changes.prompts) this.publish('notifications/prompts/list_changed', (f) => f.promptsListChanged === true);
    if (changes.resources) this.publish('notifications/resources/list_changed', (f) => f.resourcesListChanged === true);
  }

  /** A task changed: streams watching it get what `tasks/get` would answer now. */
  taskChanged(record: TaskRecord): void {
    this.publish('notifications/tasks', (f) => f.taskIds?.includes(record.taskId) === true, detailedTask(record));
  }

  resourceUpdated(uri: string): void {
    this.publish('notifications/resources/updated', (f) => f.resourceSubscriptions?.includes(uri) === true, { uri });
  }

  /** Ends every stream with its final result, as a graceful shutdown should. */
  closeAll(): void {
    for (const stream of [...this.open]) this.finish(stream);
  }

  private publish(method: string, wants: (filter: Filter) => boolean, params: Record<string, unknown> = {}) {
    for (const stream of this.open) {
      if (!wants(stream.filter)) continue;
      stream.res.write(frame({ jsonrpc: '2.0', method, params: { ...params, _meta: { [SUBSCRIPTION_ID_KEY]: stream.id } } }));
    }
  }

  private finish(stream: Stream) {
    this.drop(stream);
    const result = { resultType: 'complete', _meta: { [SUBSCRIPTION_ID_KEY]: stream.id, [SERVER_INFO_KEY]: this.options.serverInfo } };
    stream.res.end(frame({ jsonrpc: '2.0', id: stream.id, result }));
  }

  private drop(stream: Stream) {
    this.open.delete(stream);
    if (this.open.size === 0 && this.keepalive) {
      clearInterval(this.keepalive);
      this.keepalive = undefined;
    }
  }

  private armKeepalive() {
    if (this.keepalive || !(this.options.keepaliveMs > 0)) return;
    this.keepalive = setInterval(() => {
      for (const stream of this.open) stream.res.write(': keepalive\n\n');
    }, this.options.keepaliveMs);
    this.keepalive.unref();
  }
}

function error(res: ServerResponse, id: string | number, code: number, message: string, data?: unknown) {
  const text = JSON.stringify({ jsonrpc: '2.0', error: { code, message, ...(data !== undefined && { data }) }, id });
  res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}
