import cluster from 'node:cluster';
import { randomUUID } from 'node:crypto';
import type { SessionDirectory, SessionLocation, SseDelivery } from '../protocol/session-directory.js';

/** Messages between workers and the primary; `re` answers the request with the same `rid`. */
export type ClusterMessage =
  | { mcpSse: 'claim'; id: string; kind: 'sse' | 'http'; relayUrl: string }
  | { mcpSse: 'release'; id: string }
  | { mcpSse: 'locate'; rid: string; id: string }
  | { mcpSse: 'sse'; rid: string; worker: number; delivery: SseDelivery }
  | { mcpSse: 'update'; uri: string }
  | { mcpSse: 're'; rid: string; value: unknown }
  | { mcpSse: 'ready' };

const REQUEST_TIMEOUT_MS = 5_000;

/**
 * The session directory of a `--workers` process without Redis: the primary keeps the map of
 * which worker holds which session and passes messages between workers over IPC.
 */
export class ClusterDirectory implements SessionDirectory {
  readonly instanceId = `worker-${cluster.worker?.id ?? 0}`;
  readonly healthy = true;
  readonly relayOverHttp = true;
  /** Sessions never move, so a location stays right until its holder answers 404. */
  private readonly located = new Map<string, SessionLocation>();
  private readonly pending = new Map<string, (value: unknown) => void>();
  private sseHandler?: (delivery: SseDelivery) => boolean;
  private updateHandler?: (uri: string) => void;
  private readonly onMessage = (message: ClusterMessage) => this.receive(message);

  constructor(private readonly relayUrl: () => string) {}

  async start(): Promise<void> {
    process.on('message', this.onMessage);
  }

  async announce(): Promise<void> {}

  private send(message: ClusterMessage) {
    process.send?.(message);
  }

  private ask(message: Extract<ClusterMessage, { rid: string }>): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(message.rid);
        reject(new Error('the primary process did not answer'));
      }, REQUEST_TIMEOUT_MS);
      this.pending.set(message.rid, (value) => {
        clearTimeout(timer);
        resolve(value);
      });
      this.send(message);
    });
  }

  private receive(message: ClusterMessage) {
    switch (message?.mcpSse) {
      case 're':
        this.pending.get(message.rid)?.(message.value);
        this.pending.delete(message.rid);
        return;
      case 'sse':
        this.send({ mcpSse: 're', rid: message.rid, value: this.sseHandler?.(message.delivery) ?? false });
        return;
      case 'update':
        this.updateHandler?.(message.uri);
        return;
    }
  }

  claim(id: string, kind: 'sse' | 'http'): void {
    this.send({ mcpSse: 'claim', id, kind, relayUrl: this.relayUrl() });
  }

  release(id: string): void {
    this.send({ mcpSse: 'release', id });
  }

  async locate(id: string): Promise<SessionLocation | undefined> {
    const known = this.located.get(id);
    if (known) return known;
    const location = (await this.ask({ mcpSse: 'locate', rid: randomUUID(), id })) as SessionLocation | undefined;
    if (location) {
      if (this.located.size >= 100_000) this.located.clear(); // a bound, not a policy: misses just ask again
      this.located.set(id, location);
    }
    return location;
  }

  async forget(id: string): Promise<void> {
    this.located.delete(id);
  }

  async deliverSse(location: SessionLocation, delivery: Omit<SseDelivery, 'type'>): Promise<boolean> {
    const worker = Number(location.instanceId.replace('worker-', ''));
    return Boolean(await this.ask({ mcpSse: 'sse', rid: randomUUID(), worker, delivery: { type: 'sse', ...delivery } }));
  }

  broadcastResourceUpdate(uri: string): void {
    this.send({ mcpSse: 'update', uri });
  }

  onSseDelivery(handler: (delivery: SseDelivery) => boolean): void {
    this.sseHandler = handler;
  }

  onResourceUpdate(handler: (uri: string) => void): void {
    this.updateHandler = handler;
  }

  async close(): Promise<void> {
    process.off('message', this.onMessage);
  }
}
