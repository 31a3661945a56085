import { randomUUID } from 'node:crypto';
import { AbortReason } from '../session.js';
import { RpcError } from '../rpc.js';
import type { RequestAbort } from '../request-abort.js';
import { isTerminal, type InputRequest, type TaskRecord, type TaskSignal, type TaskStatus, type TaskStore } from './task-store.js';

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

type Outcome = { result: Record<string, unknown> } | { error: unknown };

const now = () => new Date().toISOString();

function errorOf(error: unknown): { code: number; message: string; data?: unknown } {
  if (error instanceof RpcError) return { code: error.code, message: error.message, ...(error.data !== undefined && { data: error.data }) };
  const message = error instanceof Error ? error.message : String(error);
  return { code: -32603, message: message || 'the task failed' };
}

function firstText(result: Record<string, unknown>): string | undefined {
  const content = result.content as Array<{ type?: string; text?: string }> | undefined;
  const text = Array.isArray(content) ? content.find((c) => c?.type === 'text')?.text : undefined;
  return typeof text === 'string' ? text.slice(0, 200) : undefined;
}

/**
 * One task whose handler runs in this process. The runner (2025 session or 2026 call) reports to
 * it what the handler asks, says and returns; it turns that into the stored record and hands the
 * client's answers and cancel back to the runner.
 */
export class TaskRun {
  private cancelListeners: Array<() => void> = [];
  private answerListener?: (responses: Record<string, unknown>) => void;
  // Store writes are queued so a late progress can never land after the final status.
  private writes: Promise<unknown> = Promise.resolve();
  private readonly ttlTimer: NodeJS.Timeout;
  readonly done: Promise<void>;
  private markDone!: () => void;

  readonly taskId: string;
  readonly era: '2025' | '2026';

  constructor(
    private readonly tasks: Tasks,
    /** The record as created: what the call that made the task answers. */
    readonly created: TaskRecord,
  ) {
    this.taskId = created.taskId;
    this.era = created.era;
    this.done = new Promise((resolve) => (this.markDone = resolve));
    this.ttlTimer = setTimeout(() => this.expire(), created.ttlMs);
    this.ttlTimer.unref();
  }

  onCancel(listener: () => void): void {
    this.cancelListeners.push(listener);
  }

  onAnswers(listener: (responses: Record<string, unknown>) => void): void {
    this.answerListener = listener;
  }

  /** The handler asked the client something (ctx.elicit, ctx.sample, ctx.roots). */
  asked(key: string, request: InputRequest): void {
    this.write((r) => ({ ...r, status: 'input_required', inputRequests: { ...r.inputRequests, [key]: request } }));
  }

  /** A 2025 request the client answered on its session: no longer waited for. */
  answered(key: string): void {
    this.write((r) => {
      const { [key]: _answered, ...rest } = r.inputRequests ?? {};
      const open = Object.keys(rest).length > 0;
      return { ...r, status: open ? 'input_required' : 'working', inputRequests: open ? rest : undefined };
    });
  }

  progress(message: string): void {
    this.write((r) => ({ ...r, statusMessage: message }));
  }

  finish(outcome: Outcome): void {
    clearTimeout(this.ttlTimer);
    let status: TaskStatus;
    let fields: Partial<TaskRecord>;
    if ('result' in outcome) {
      // 2025-11-25 fails a task whose tool reported an error; SEP-2663 completes it with that result.
      status = this.era === '2025' && outcome.result.isError === true ? 'failed' : 'completed';
      fields = { result: outcome.result, statusMessage: firstText(outcome.result) };
    } else {
      const error = errorOf(outcome.error);
      status = 'failed';
      fields = { error, statusMessage: error.message };
    }
    this.write((r) => ({ ...r, ...fields, status, inputRequests: undefined }));
    // The stored status is the final one: a cancel or an expiry may have ended the record first.
    void this.writes
      .then((stored) => this.tasks.onFinish?.((stored as TaskRecord | undefined)?.status ?? status))
      .catch((error) => this.tasks.onError(error, `task ${this.taskId}`))
      .finally(() => {
        this.tasks.forget(this.taskId);
        this.markDone();
      });
  }

  /** The client cancelled: the record already says so; the handler is told to stop. */
  cancel(): void {
    for (const listener of this.cancelListeners.splice(0)) listener();
  }

  deliver(responses: Record<string, unknown>): void {
    this.answerListener?.(responses);
  }

  private expire(): void {
    this.write((r) => ({ ...r, status: 'failed', error: { code: -32603, message: `the task ran past its ttl of ${r.ttlMs} ms` }, statusMessage: 'expired' }));
    this.cancel();
  }

  private write(change: (record: TaskRecord) => TaskRecord): void {
    const stamped = (r: TaskRecord) => (isTerminal(r.status) ? undefined : { ...change(r), lastUpdatedAt: now() });
    this.writes = this.writes.then(() => this.tasks.store.update(this.taskId, stamped)).catch((error) => this.tasks.onError(error, `task ${this.taskId}`));
  }
}

/**
 * Every task this instance knows: the records in the store (shared with other instances under
 * --redis) and the runs whose handlers execute here. Era-neutral: the methods shape its records.
 */
export class Tasks {
  private readonly runs = new Map<string, TaskRun>();
  /** Told the status each run here ended in (metrics). */
  onFinish?: (status: TaskStatus) => void;

  constructor(
    readonly store: TaskStore,
    readonly instanceId: string,
    readonly settings: TaskSettings,
    readonly onError: (error: unknown, where: string) => void,
  ) {
    store.onSignal((signal) => this.received(signal));
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

  /** The record, if `owner` may see it; a task whose holder died is failed first, never left working. */
  async find(taskId: string, owner: string | undefined): Promise<TaskRecord | undefined> {
    const record = await this.store.get(taskId);
    if (!record || record.owner !== owner) return undefined;
    if (isTerminal(record.status) || record.holder === this.instanceId || (await this.store.isAlive(record.holder))) return record;
    const message = `the server instance running this task (${record.holder}) stopped before it finished; start it again`;
    const failed = (r: TaskRecord) =>
      isTerminal(r.status) ? undefined : { ...r, status: 'failed' as const, error: { code: -32603, message }, statusMessage: message, inputRequests: undefined, lastUpdatedAt: now() };
    return this.store.update(taskId, failed);
  }

  /**
   * Hands the client's answers to the task. The answered keys leave the record before this
   * resolves, so a `tasks/get` right after no longer lists them; unknown keys are ignored.
   */
  async answer(record: TaskRecord, responses: Record<string, unknown>): Promise<void> {
    const known: Record<string, unknown> = {};
    await this.store.update(record.taskId, (r) => {
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
    const cancelled = await this.store.update(record.taskId, (r) =>
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
      // A run here says when it is done; one on another instance is polled at its own interval.
      await new Promise<void>((resolve, reject) => {
        let timer: NodeJS.Timeout | undefined;
        const stop = abort.onAbort((reason) => (clearTimeout(timer), reject(reason)));
        const wake = () => (clearTimeout(timer), stop(), resolve());
        if (run) void run.done.then(wake);
        else timer = setTimeout(wake, record.pollIntervalMs);
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
