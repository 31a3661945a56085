import { RpcError } from '../rpc.js';
import { isTerminal, type InputRequest, type TaskRecord, type TaskStatus } from './task-store.js';

export type Outcome = { result: Record<string, unknown> } | { error: unknown };

export const now = () => new Date().toISOString();

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

/** `ctx.progress` needs a token; a task always reports progress, as its status message. */
export function withProgressToken(params: Record<string, unknown>, taskId: string): { params: Record<string, unknown>; clientToken: unknown } {
  const meta = (typeof params._meta === 'object' && params._meta !== null ? params._meta : {}) as Record<string, unknown>;
  const clientToken = meta.progressToken;
  if (clientToken !== undefined) return { params, clientToken };
  return { params: { ...params, _meta: { ...meta, progressToken: `task:${taskId}` } }, clientToken };
}

export function progressMessage(params: Record<string, unknown> | undefined): string {
  const p = params ?? {};
  if (typeof p.message === 'string') return p.message;
  return p.total !== undefined ? `${p.progress}/${p.total}` : String(p.progress);
}

/** What a run needs of the tasks it belongs to (`Tasks`). */
export interface TaskRunHost {
  update(taskId: string, change: (record: TaskRecord) => TaskRecord | undefined): Promise<TaskRecord | undefined>;
  forget(taskId: string): void;
  onFinish?: (status: TaskStatus) => void;
  onError(error: unknown, where: string): void;
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
  private writes: Promise<TaskRecord | undefined> = Promise.resolve(undefined);
  private readonly ttlTimer: NodeJS.Timeout;
  private finished = false;
  readonly done: Promise<void>;
  private markDone!: () => void;

  readonly taskId: string;
  readonly era: '2025' | '2026';
  /** 2025 `tasks/result` requests waiting on this task: the stream a question for the client goes on. */
  readonly resultRequests = new Set<string | number>();

  constructor(
    private readonly tasks: TaskRunHost,
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
    // Once: a shutdown finishes runs whose handlers may still finish them later.
    if (this.finished) return;
    this.finished = true;
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
      .then((stored) => this.tasks.onFinish?.(stored?.status ?? status))
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
    this.writes = this.writes
      .then(() => this.tasks.update(this.taskId, stamped))
      .then((stored) => {
        // Ended elsewhere (another instance failed it while this one was cut off from Redis, a
        // cancel whose signal was lost): the handler stops rather than work on for nobody.
        if (stored && isTerminal(stored.status) && !this.finished) this.cancel();
        return stored;
      })
      .catch((error) => {
        this.tasks.onError(error, `task ${this.taskId}`);
        return undefined;
      });
  }
}

