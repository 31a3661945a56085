import { Redis } from 'ioredis';
import type { TaskRecord, TaskSignal, TaskStore } from '../protocol/tasks/task-store.js';
import { RedisUnavailableError } from './redis-directory.js';

const PREFIX = 'mcp-sse';
/**
 * How long an instance's tasks outlive its last heartbeat. Far shorter than the directory's 30 s
 * instance key: a task polled on another instance turns `failed` this soon after its holder died.
 * Long enough that a Redis hiccup of a second or two does not fail a live holder's tasks.
 */
const HOLDER_TTL_MS = 6_000;
const HEARTBEAT_MS = 2_000;
/** `tasks/list` answers one page: the newest this many of a session's or owner's tasks. */
const LIST_LIMIT = 500;
const CAS_RETRIES = 50;
/** Every instance hears of every task record change here, for its listen streams. */
const CHANGED_CHANNEL = `${PREFIX}:task-changed`;

// Compare-and-set: writes the new record only if nobody changed it since it was read, keeping the
// key's remaining ttl (the record expires `ttlMs` after its creation, however often it changes).
const CAS_SCRIPT = `
local current = redis.call('GET', KEYS[1])
if current ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[2], 'KEEPTTL')
return 1`;

// Indexes a task for `tasks/list`, bounded to one page, and kept at least as long as the task
// (PTTL rather than PEXPIRE GT, which Redis 6 lacks).
const INDEX_SCRIPT = `
redis.call('ZADD', KEYS[1], ARGV[1], ARGV[2])
redis.call('ZREMRANGEBYRANK', KEYS[1], 0, -(tonumber(ARGV[4]) + 1))
if redis.call('PTTL', KEYS[1]) < tonumber(ARGV[3]) then redis.call('PEXPIRE', KEYS[1], ARGV[3]) end
return 1`;

type CasRedis = Redis & {
  taskCas(key: string, expected: string, next: string): Promise<number>;
  taskIndex(key: string, score: number, taskId: string, ttlMs: number, limit: number): Promise<number>;
};

export interface RedisTaskStoreOptions {
  url: string;
  /** The RedisDirectory's instance id: the holder every record made here names. */
  instanceId: string;
  onError(error: unknown, where: string): void;
}

/**
 * Task records of every instance, in Redis: `task:<id>` holds the record as JSON and expires with
 * it; `tasks-of:session:<id>` and `tasks-of:owner:<id>` index them for 2025 `tasks/list`; a
 * cancel or an answer reaches the holder on its channel `tasks-to:<instance>`; and each instance
 * keeps `task-holder:<instance>` alive, so another one can tell a dead holder from a slow task.
 */
export class RedisTaskStore implements TaskStore {
  private readonly commands: CasRedis;
  private readonly subscriber: Redis;
  private heartbeat?: NodeJS.Timeout;
  private listener?: (signal: TaskSignal) => void;
  private changeListener?: (record: TaskRecord) => void;

  constructor(private readonly options: RedisTaskStoreOptions) {
    // As the directory's: fail fast while Redis is away (the caller answers an error), reconnect by itself.
    const common = { enableOfflineQueue: false, maxRetriesPerRequest: 1, retryStrategy: (times: number) => Math.min(times * 100, 2_000), lazyConnect: true };
    this.commands = new Redis(options.url, { ...common, connectionName: `mcp-sse-tasks-${options.instanceId}` }) as CasRedis;
    this.commands.defineCommand('taskCas', { numberOfKeys: 1, lua: CAS_SCRIPT });
    this.commands.defineCommand('taskIndex', { numberOfKeys: 1, lua: INDEX_SCRIPT });
    this.subscriber = new Redis(options.url, { ...common, enableOfflineQueue: true });
    this.commands.on('error', () => undefined);
    this.subscriber.on('error', () => undefined);
    // A Redis that restarted empty has forgotten our heartbeat: say we are alive at once.
    this.commands.on('ready', () => void this.beat());
  }

  private key(kind: 'task' | 'task-holder', id: string) {
    return `${PREFIX}:${kind}:${id}`;
  }

  private indexes(record: Pick<TaskRecord, 'owner' | 'sessionId'>): string[] {
    const keys: string[] = [];
    if (record.sessionId !== undefined) keys.push(`${PREFIX}:tasks-of:session:${record.sessionId}`);
    if (record.owner !== undefined) keys.push(`${PREFIX}:tasks-of:owner:${record.owner}`);
    return keys;
  }

  private channel(instanceId: string) {
    return `${PREFIX}:tasks-to:${instanceId}`;
  }

  async start(): Promise<void> {
    try {
      await Promise.all([this.commands.connect(), this.subscriber.connect()]);
      await this.subscriber.subscribe(this.channel(this.options.instanceId), CHANGED_CHANNEL);
      await this.beat();
    } catch (error) {
      this.commands.disconnect();
      this.subscriber.disconnect();
      throw new RedisUnavailableError(`cannot reach Redis for tasks at ${this.options.url.replace(/\/\/[^@/]*@/, '//***@')}: ${(error as Error).message}`);
    }
    this.subscriber.on('message', (channel, raw) => (channel === CHANGED_CHANNEL ? this.changedElsewhere(raw) : this.receive(raw)));
    this.heartbeat = setInterval(() => void this.beat(), HEARTBEAT_MS);
    this.heartbeat.unref();
  }

  private async beat() {
    if (this.commands.status !== 'ready') return;
    await this.commands.set(this.key('task-holder', this.options.instanceId), '1', 'PX', HOLDER_TTL_MS).catch((error) => this.options.onError(error, 'task heartbeat to Redis'));
  }

  private receive(raw: string) {
    try {
      this.listener?.(JSON.parse(raw) as TaskSignal);
    } catch (error) {
      this.options.onError(error, 'task signal from Redis');
    }
  }

  private changedElsewhere(raw: string) {
    try {
      const { from, record } = JSON.parse(raw) as { from: string; record: TaskRecord };
      if (from !== this.options.instanceId) this.changeListener?.(record);
    } catch (error) {
      this.options.onError(error, 'task change from Redis');
    }
  }

  onChange(listener: (record: TaskRecord) => void): void {
    this.changeListener = listener;
  }

  /** While Redis is away, a caller gets this line rather than ioredis' words about its offline queue. */
  private usable(): void {
    if (this.commands.status !== 'ready') throw new RedisUnavailableError('Redis is unreachable, and task records live there; try again once it is back');
  }

  async create(record: TaskRecord): Promise<void> {
    this.usable();
    const created = Date.parse(record.createdAt);
    await this.commands.set(this.key('task', record.taskId), JSON.stringify(record), 'PX', record.ttlMs);
    // Expired tasks leave the index when a list finds them gone.
    await Promise.all(this.indexes(record).map((index) => this.commands.taskIndex(index, created, record.taskId, record.ttlMs, LIST_LIMIT)));
  }

  async get(taskId: string): Promise<TaskRecord | undefined> {
    this.usable();
    const raw = await this.commands.get(this.key('task', taskId));
    return raw ? (JSON.parse(raw) as TaskRecord) : undefined;
  }

  async update(taskId: string, change: (record: TaskRecord) => TaskRecord | undefined): Promise<TaskRecord | undefined> {
    this.usable();
    const key = this.key('task', taskId);
    // Optimistic: another instance may write the same record (a cancel there while progress lands
    // here); the write happens only if the record is still what `change` saw, else it is re-read.
    for (let attempt = 0; attempt < CAS_RETRIES; attempt++) {
      const raw = await this.commands.get(key);
      if (!raw) return undefined;
      const current = JSON.parse(raw) as TaskRecord;
      const next = change(current);
      if (!next) return current;
      const serialised = JSON.stringify(next);
      if ((await this.commands.taskCas(key, raw, serialised)) === 1) {
        // Listen streams on every instance may watch this task (notifications/tasks).
        void this.commands.publish(CHANGED_CHANNEL, JSON.stringify({ from: this.options.instanceId, record: next })).catch(() => undefined);
        return next;
      }
    }
    throw new Error(`task ${taskId} changed on every one of ${CAS_RETRIES} attempts to update it in Redis`);
  }

  async list(filter: { owner?: string; sessionId?: string }): Promise<TaskRecord[]> {
    this.usable();
    const [index] = this.indexes(filter.sessionId !== undefined ? { sessionId: filter.sessionId } : { owner: filter.owner });
    if (!index) return [];
    const ids = await this.commands.zrevrange(index, 0, LIST_LIMIT - 1);
    if (ids.length === 0) return [];
    const raws = await this.commands.mget(ids.map((id) => this.key('task', id)));
    const gone = ids.filter((_id, i) => raws[i] === null);
    if (gone.length > 0) void this.commands.zrem(index, ...gone).catch(() => undefined);
    return raws
      .filter((raw): raw is string => raw !== null)
      .map((raw) => JSON.parse(raw) as TaskRecord)
      .filter((r) => r.owner === filter.owner && (filter.sessionId === undefined || r.sessionId === filter.sessionId));
  }

  async signal(holder: string, signal: TaskSignal): Promise<boolean> {
    this.usable();
    // PUBLISH answers how many subscribers got it: 0 means the holder is gone.
    return (await this.commands.publish(this.channel(holder), JSON.stringify(signal))) > 0;
  }

  onSignal(listener: (signal: TaskSignal) => void): void {
    this.listener = listener;
  }

  async isAlive(holder: string): Promise<boolean> {
    if (holder === this.options.instanceId) return true;
    this.usable();
    return (await this.commands.exists(this.key('task-holder', holder))) === 1;
  }

  async close(): Promise<void> {
    clearInterval(this.heartbeat);
    // Leaving on purpose: our running tasks were failed already (Tasks.close), nothing waits on the key.
    if (this.commands.status === 'ready') await this.commands.del(this.key('task-holder', this.options.instanceId)).catch(() => undefined);
    this.commands.disconnect();
    this.subscriber.disconnect();
  }
}
