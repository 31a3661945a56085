import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import type { SessionDirectory, SessionLocation, SseDelivery } from '../protocol/session-directory.js';

const PREFIX = 'mcp-sse';
/** How long a session's registration outlives its holder's last refresh: a dead instance's sessions expire. */
const TTL_MS = 30_000;
const REFRESH_MS = 10_000;

export interface RedisDirectoryOptions {
  url: string;
  /** Where other instances reach this one over HTTP, for relayed Streamable HTTP requests. */
  relayUrl: () => string;
  onError(error: unknown, where: string): void;
}

export class RedisUnavailableError extends Error {}

/**
 * Sessions of every instance, in Redis: `session:<id>` names the holder (with a TTL its holder
 * keeps fresh), each instance listens on its own channel for legacy-SSE messages posted elsewhere,
 * and one shared channel carries resource updates.
 */
export class RedisDirectory implements SessionDirectory {
  readonly instanceId = randomUUID();
  readonly relayOverHttp = false;
  private readonly commands: Redis;
  private readonly subscriber: Redis;
  private readonly local = new Map<string, 'sse' | 'http'>();
  private refresher?: NodeJS.Timeout;
  private sseHandler?: (delivery: SseDelivery) => boolean;
  private updateHandler?: (uri: string) => void;

  constructor(private readonly options: RedisDirectoryOptions) {
    const common = {
      // Fail fast while Redis is away instead of queueing: callers answer 503 and local sessions go on.
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      retryStrategy: (times: number) => Math.min(times * 100, 2_000),
      lazyConnect: true,
    };
    this.commands = new Redis(options.url, { ...common, connectionName: `mcp-sse-${this.instanceId}` });
    this.subscriber = new Redis(options.url, { ...common, enableOfflineQueue: true });
    for (const [name, client] of [['commands', this.commands], ['subscriber', this.subscriber]] as const) {
      // ioredis reconnects by itself; errors while it does are expected, not worth a crash.
      client.on('error', () => undefined);
      void name;
    }
    // A Redis that restarted empty has forgotten us: register everything we hold again.
    this.commands.on('ready', () => void this.refresh());
  }

  private key(kind: 'session' | 'instance', id: string) {
    return `${PREFIX}:${kind}:${id}`;
  }

  private channel(instanceId: string) {
    return `${PREFIX}:to:${instanceId}`;
  }

  async start(): Promise<void> {
    try {
      await Promise.all([this.commands.connect(), this.subscriber.connect()]);
      await this.subscriber.subscribe(this.channel(this.instanceId), `${PREFIX}:resource-updated`);
    } catch (error) {
      this.commands.disconnect();
      this.subscriber.disconnect();
      throw new RedisUnavailableError(`cannot reach Redis at ${redact(this.options.url)}: ${(error as Error).message}`);
    }
    this.subscriber.on('message', (channel, raw) => this.receive(channel, raw));
    this.refresher = setInterval(() => void this.refresh(), REFRESH_MS);
    this.refresher.unref();
  }

  /** Registers this instance; call once it listens and its relay URL is known. */
  async announce(): Promise<void> {
    await this.refresh();
  }

  get healthy(): boolean {
    return this.commands.status === 'ready';
  }

  private receive(channel: string, raw: string) {
    try {
      const message = JSON.parse(raw);
      if (channel === `${PREFIX}:resource-updated`) {
        if (message.from !== this.instanceId) this.updateHandler?.(message.uri);
        return;
      }
      if (message.type === 'sse') this.sseHandler?.(message as SseDelivery);
    } catch (error) {
      this.options.onError(error, 'message from Redis');
    }
  }

  private async refresh() {
    if (!this.healthy) return;
    const pipeline = this.commands.pipeline();
    pipeline.set(this.key('instance', this.instanceId), this.options.relayUrl(), 'PX', TTL_MS);
    for (const [id, kind] of this.local) {
      pipeline.set(this.key('session', id), JSON.stringify({ instance: this.instanceId, kind }), 'PX', TTL_MS);
    }
    await pipeline.exec().catch((error) => this.options.onError(error, 'refreshing sessions in Redis'));
  }

  claim(sessionId: string, kind: 'sse' | 'http'): void {
    this.local.set(sessionId, kind);
    if (!this.healthy) return; // registered by the next refresh once Redis is back
    this.commands
      .set(this.key('session', sessionId), JSON.stringify({ instance: this.instanceId, kind }), 'PX', TTL_MS)
      .catch((error) => this.options.onError(error, 'registering a session in Redis'));
  }

  release(sessionId: string): void {
    this.local.delete(sessionId);
    if (!this.healthy) return;
    this.commands.del(this.key('session', sessionId)).catch(() => undefined);
  }

  async locate(sessionId: string): Promise<SessionLocation | undefined> {
    if (!this.healthy) throw new RedisUnavailableError('Redis is unreachable; sessions held by other instances cannot be reached');
    const entry = await this.commands.get(this.key('session', sessionId));
    if (!entry) return undefined;
    const { instance, kind } = JSON.parse(entry) as { instance: string; kind: 'sse' | 'http' };
    if (instance === this.instanceId) return undefined; // ours, but closed: stale
    const relayUrl = await this.commands.get(this.key('instance', instance));
    if (!relayUrl) {
      await this.forget(sessionId);
      return undefined;
    }
    return { instanceId: instance, relayUrl, kind };
  }

  /** The holder is gone (its relay refused us, nobody listens on its channel): stop pointing at it. */
  async forget(sessionId: string): Promise<void> {
    await this.commands.del(this.key('session', sessionId)).catch(() => undefined);
  }

  async deliverSse(location: SessionLocation, delivery: Omit<SseDelivery, 'type'>): Promise<boolean> {
    if (!this.healthy) throw new RedisUnavailableError('Redis is unreachable');
    // PUBLISH answers how many subscribers got it: 0 means the holder is gone.
    const receivers = await this.commands.publish(this.channel(location.instanceId), JSON.stringify({ type: 'sse', ...delivery }));
    if (receivers === 0) await this.forget(delivery.sessionId);
    return receivers > 0;
  }

  broadcastResourceUpdate(uri: string): void {
    if (!this.healthy) return;
    this.commands.publish(`${PREFIX}:resource-updated`, JSON.stringify({ from: this.instanceId, uri })).catch(() => undefined);
  }

  onSseDelivery(handler: (delivery: SseDelivery) => boolean): void {
    this.sseHandler = handler;
  }

  onResourceUpdate(handler: (uri: string) => void): void {
    this.updateHandler = handler;
  }

  async close(): Promise<void> {
    clearInterval(this.refresher);
    if (this.healthy) {
      const pipeline = this.commands.pipeline();
      for (const id of this.local.keys()) pipeline.del(this.key('session', id));
      pipeline.del(this.key('instance', this.instanceId));
      await pipeline.exec().catch(() => undefined);
    }
    this.commands.disconnect();
    this.subscriber.disconnect();
  }
}

function redact(url: string): string {
  return url.replace(/\/\/[^@/]*@/, '//***@');
}
