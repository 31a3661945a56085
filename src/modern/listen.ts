import type { ServerResponse } from 'node:http';
import type { ListChanges } from '../protocol/registry.js';
import { isPlainObject, SERVER_INFO_KEY, SUBSCRIPTION_ID_KEY } from './envelope.js';
import { frame, SSE_HEADERS } from './exchange.js';

/** What one `subscriptions/listen` stream asked for, reduced to what this server honours. */
interface Filter {
  toolsListChanged?: true;
  promptsListChanged?: true;
  resourcesListChanged?: true;
  resourceSubscriptions?: string[];
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
  serve(res: ServerResponse, id: string | number, params: Record<string, unknown> | undefined): void {
    if (this.open.size >= this.options.max) return error(res, id, -32603, 'Subscription limit reached');
    const filter = parseFilter(params);
    if (!filter) return error(res, id, -32602, "Invalid params: 'notifications' is required and must be a valid SubscriptionFilter");
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

function error(res: ServerResponse, id: string | number, code: number, message: string) {
  const text = JSON.stringify({ jsonrpc: '2.0', error: { code, message }, id });
  res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}
