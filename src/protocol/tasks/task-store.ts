export type TaskStatus = 'working' | 'input_required' | 'completed' | 'cancelled' | 'failed';

export const isTerminal = (status: TaskStatus): boolean => status === 'completed' || status === 'cancelled' || status === 'failed';

export type InputRequest = { method: string; params?: Record<string, unknown> };

/** One task as every instance sees it: what `tasks/get` answers from, in both protocol eras. */
export interface TaskRecord {
  taskId: string;
  /** The caller's identity when auth is on: only it may read, answer or cancel the task. */
  owner?: string;
  /** The 2025 session that made it (`tasks/list` lists a session's own tasks when auth is off). */
  sessionId?: string;
  /** Which revision's rules the task follows: a 2025 tool error fails it, a 2026 one completes it. */
  era: '2025' | '2026';
  /** The instance running the handler, so another can tell a dead holder from a slow task. */
  holder: string;
  status: TaskStatus;
  statusMessage?: string;
  createdAt: string;
  lastUpdatedAt: string;
  ttlMs: number;
  pollIntervalMs: number;
  /** 2026: what the handler waits for, by key, until `tasks/update` answers it. */
  inputRequests?: Record<string, InputRequest>;
  result?: Record<string, unknown>;
  error?: { code: number; message: string; data?: unknown };
}

/** A message for the instance holding a task: the client cancelled it, or answered its input. */
export type TaskSignal = { taskId: string } & ({ kind: 'cancel' } | { kind: 'answers'; responses: Record<string, unknown> });

/**
 * Where task records live. In memory for one process; in Redis with `--redis` (scale/), so any
 * instance can answer `tasks/get` and `tasks/cancel` while the handler runs where it started.
 */
export interface TaskStore {
  /** Resolves once a `tasks/get` on any instance would find it. */
  create(record: TaskRecord): Promise<void>;
  get(taskId: string): Promise<TaskRecord | undefined>;
  /**
   * Replaces the record with what `change` makes of it; `change` returning undefined leaves it.
   * Resolves to the record as stored afterwards (undefined when there is none).
   */
  update(taskId: string, change: (record: TaskRecord) => TaskRecord | undefined): Promise<TaskRecord | undefined>;
  /** Records of one owner or session, newest first. */
  list(filter: { owner?: string; sessionId?: string }): Promise<TaskRecord[]>;
  /** Hands `signal` to the instance `holder`; false when that instance is gone. */
  signal(holder: string, signal: TaskSignal): Promise<boolean>;
  onSignal(listener: (signal: TaskSignal) => void): void;
  /** Records changed by other instances (a shared store); a store of one process has none to tell. */
  onChange?(listener: (record: TaskRecord) => void): void;
  /** False once the instance `holder` stopped answering for its tasks. */
  isAlive(holder: string): Promise<boolean>;
  close(): Promise<void>;
}

/** The store of a single process: records in a map, each dropped when its ttl ends. */
export class MemoryTaskStore implements TaskStore {
  private readonly records = new Map<string, { record: TaskRecord; timer: NodeJS.Timeout }>();
  private listener?: (signal: TaskSignal) => void;

  constructor(readonly instanceId: string) {}

  async create(record: TaskRecord): Promise<void> {
    const timer = setTimeout(() => this.records.delete(record.taskId), record.ttlMs);
    timer.unref();
    this.records.set(record.taskId, { record, timer });
  }

  async get(taskId: string): Promise<TaskRecord | undefined> {
    return this.records.get(taskId)?.record;
  }

  async update(taskId: string, change: (record: TaskRecord) => TaskRecord | undefined): Promise<TaskRecord | undefined> {
    const entry = this.records.get(taskId);
    if (!entry) return undefined;
    const next = change(entry.record);
    if (next) entry.record = next;
    return entry.record;
  }

  async list(filter: { owner?: string; sessionId?: string }): Promise<TaskRecord[]> {
    const all = [...this.records.values()].map((e) => e.record);
    return all.filter((r) => r.owner === filter.owner && (filter.sessionId === undefined || r.sessionId === filter.sessionId)).reverse();
  }

  async signal(holder: string, signal: TaskSignal): Promise<boolean> {
    if (holder !== this.instanceId) return false;
    this.listener?.(signal);
    return true;
  }

  onSignal(listener: (signal: TaskSignal) => void): void {
    this.listener = listener;
  }

  async isAlive(holder: string): Promise<boolean> {
    return holder === this.instanceId;
  }

  async close(): Promise<void> {
    for (const { timer } of this.records.values()) clearTimeout(timer);
    this.records.clear();
  }
}
