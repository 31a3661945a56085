import { randomUUID } from 'node:crypto';
import { AbortReason } from '../session.js';
import { RpcError } from '../rpc.js';
import { now, TaskRun, type TaskRunHost } from './task-run.js';
import type { RequestAbort } from '../request-abort.js';
import { isTerminal, type TaskRecord, type TaskSignal, type TaskStatus, type TaskStore } from './task-store.js';

export const TASKS_EXTENSION = 'io.modelcontextprotocol/tasks';
export const RELATED_TASK_KEY = 'io.modelcontextprotocol/related-task';

export interface TaskSettings {
  /** Tasks whose handler runs in this process at once; one more is refused with a clear error. */
  maxRunning: number;
  /** The longest a task and its result are kept, from its creation. */
  ttlMs: number;
  pollIntervalMs: number;
}

export const DEFAULT_TASK_SETTINGS: TaskSettings = { maxRunning: 100, ttlMs: 60 * 60_000, pollIntervalMs: 1000 };

export { TaskRun };

/**
 * Every task this instance knows: the records in the store (shared with other instances under
 * --redis) and the runs whose handlers execute here. Era-neutral: the methods shape its records.
 */
export class Tasks implements TaskRunHost {
  private readonly runs = new Map<string, TaskRun>();
  private readonly changeListeners = new Set<(record: TaskRecord) => void>();
  /** Told the status each run here ended in (metrics). */
  onFinish?: (status: TaskStatus) => void;

  constructor(
    readonly store: TaskStore,
    readonly instanceId: string,
    readonly settings: TaskSettings,
    readonly onError: (error: unknown, where: string) => void,
  ) {
    store.onSignal((signal) => this.received(signal));
    store.onChange?.((record) => this.changed(record));
  }

  /** Every change of a task record, for status notifications on 2026 listen streams. */
  onChange(listener: (record: TaskRecord) => void): () => void {
    this.changeListeners.add(listener);
    return () => this.changeListeners.delete(listener);
  }

  /** The store's update, telling the listeners when the change applied. */
  async update(taskId: string, change: (record: TaskRecord) => TaskRecord | undefined): Promise<TaskRecord | undefined> {
    let applied = false;
    const stored = await this.store.update(taskId, (r) => {
      const next = change(r);
      applied = next !== undefined;
      return next;
    });
    if (applied && stored) this.changed(stored);
    return stored;
  }

  private changed(record: TaskRecord): void {
    for (const listener of this.changeListeners) {
      try {
        listener(record);
      } catch (error) {
        this.onError(error, `task ${record.taskId} listener`);
      }
    }
  }

  get running(): number {
    return this.runs.size;
  }

  /** Creates the record, durable before this resolves (a `tasks/get` right after must find it). */
  async create(init: { era: '2025' | '2026'; owner?: string; sessionId?: string; ttlMs?: number; pollIntervalMs?: number }): Promise<TaskRun> {
    const { maxRunning } = this.settings;
    if (this.runs.size >= maxRunning) {
      throw new RpcError(-32603, `Too many tasks running on this server (${maxRunning}, --max-tasks); try again when one finishes`);
    }
    const ttlMs = Math.min(init.ttlMs ?? this.settings.ttlMs, this.settings.ttlMs);
    const at = now();
    const record: TaskRecord = {
      taskId: randomUUID(),
      ...(init.owner !== undefined && { owner: init.owner }),
      ...(init.sessionId !== undefined && { sessionId: init.sessionId }),
      era: init.era,
      holder: this.instanceId,
      status: 'working',
      createdAt: at,
      lastUpdatedAt: at,
      ttlMs,
      pollIntervalMs: init.pollIntervalMs ?? this.settings.pollIntervalMs,
    };
    const run = new TaskRun(this, record);
    this.runs.set(record.taskId, run);
    try {
      await this.store.create(record);
    } catch (error) {
      this.runs.delete(record.taskId);
      throw new RpcError(-32603, `The task could not be stored: ${(error as Error)?.message ?? error}`);
    }
    return run;
  }

  forget(taskId: string): void {
    this.runs.delete(taskId);
  }

  /** The run of a task whose handler executes in this process. */
  local(taskId: string): TaskRun | undefined {
    return this.runs.get(taskId);
  }

  /** The record, if `owner` may see it; a task whose holder died is failed first, never left working. */
  async find(taskId: string, owner: string | undefined): Promise<TaskRecord | undefined> {
    const record = await this.store.get(taskId);
    if (!record || record.owner !== owner) return undefined;
    if (isTerminal(record.status) || record.holder === this.instanceId || (await this.store.isAlive(record.holder))) return record;
    const message = `the server instance running this task (${record.holder}) stopped before it finished; start it again`;
    const failed = (r: TaskRecord) =>
      isTerminal(r.status) ? undefined : { ...r, status: 'failed' as const, error: { code: -32603, message }, statusMessage: message, inputRequests: undefined, lastUpdatedAt: now() };
    return this.update(taskId, failed);
  }

  /**
   * Hands the client's answers to the task. The answered keys leave the record before this
   * resolves, so a `tasks/get` right after no longer lists them; unknown keys are ignored.
   */
  async answer(record: TaskRecord, responses: Record<string, unknown>): Promise<void> {
    let known: Record<string, unknown> = {};
    await this.update(record.taskId, (r) => {
      // A shared store may run this again after a conflicting write: only the last run counts.
      known = {};
      if (isTerminal(r.status) || !r.inputRequests) return undefined;
      const open = { ...r.inputRequests };
      for (const [key, value] of Object.entries(responses)) {
        if (!Object.hasOwn(open, key)) continue;
        known[key] = value;
        delete open[key];
      }
      const left = Object.keys(open).length > 0;
      return { ...r, status: left ? 'input_required' : 'working', inputRequests: left ? open : undefined, lastUpdatedAt: now() };
    });
    if (Object.keys(known).length > 0) await this.deliver(record, { taskId: record.taskId, kind: 'answers', responses: known });
  }

  /** Marks the task cancelled (terminal at once, so it stays so) and stops its handler. */
  async cancel(record: TaskRecord): Promise<TaskRecord | undefined> {
    const cancelled = await this.update(record.taskId, (r) =>
      isTerminal(r.status) ? undefined : { ...r, status: 'cancelled', statusMessage: 'cancelled by the client', inputRequests: undefined, lastUpdatedAt: now() },
    );
    await this.deliver(record, { taskId: record.taskId, kind: 'cancel' });
    return cancelled;
  }

  /** Resolves with the record once the task is terminal (2025 `tasks/result`), or rejects on abort. */
  async untilTerminal(taskId: string, owner: string | undefined, abort: RequestAbort): Promise<TaskRecord | undefined> {
    for (;;) {
      const record = await this.find(taskId, owner);
      if (!record || isTerminal(record.status)) return record;
      const run = this.runs.get(taskId);
      // A run here says when it is done; the record is read again at the task's interval too (a
      // run on another instance, or a cancelled one whose handler ignores its signal).
      await new Promise<void>((resolve, reject) => {
        if (abort.aborted) return reject(abort.reason);
        const stop = abort.onAbort((reason) => (clearTimeout(timer), reject(reason)));
        const wake = () => (clearTimeout(timer), stop(), resolve());
        const timer = setTimeout(wake, record.pollIntervalMs);
        void run?.done.then(wake);
      });
    }
  }

  list(filter: { owner?: string; sessionId?: string }): Promise<TaskRecord[]> {
    return this.store.list(filter);
  }

  /** Shutting down: handlers here stop, and their tasks fail rather than stay working forever. */
  async close(): Promise<void> {
    for (const run of [...this.runs.values()]) {
      run.cancel();
      run.finish({ error: new AbortReason('disconnected', 'the server shut down before the task finished') });
    }
    await Promise.all([...this.runs.values()].map((r) => r.done));
  }

  private async deliver(record: TaskRecord, signal: TaskSignal): Promise<void> {
    if (record.holder === this.instanceId) return this.received(signal);
    await this.store.signal(record.holder, signal).catch((error) => this.onError(error, `task ${record.taskId}`));
  }

  private received(signal: TaskSignal): void {
    const run = this.runs.get(signal.taskId);
    if (!run) return;
    if (signal.kind === 'cancel') run.cancel();
    else run.deliver(signal.responses);
  }
}
