import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { JSONRPCMessage, RequestId } from '@modelcontextprotocol/sdk/types.js';
import { RequestAbort } from '../request-abort.js';
import { AbortReason, Session, type MethodHandler } from '../session.js';
import { progressMessage, withProgressToken } from './task-run.js';
import { RELATED_TASK_KEY, type TaskRun } from './tasks.js';

/**
 * Where a 2025-11-25 task's handler writes. The task outlives the request that made it, so its
 * messages go to the session that made it, outside any request and tagged with the task; input
 * the handler asks for is asked there too, and the task shows `input_required` until answered.
 */
class TaskTransport implements Transport {
  onmessage?: Transport['onmessage'];
  onclose?: () => void;
  onerror?: (error: Error) => void;
  session?: Session;

  constructor(
    private readonly run: TaskRun,
    private readonly origin: Session,
    private readonly clientToken: unknown,
    /** The task's own abort: a question still open when the task is cancelled is withdrawn from the client. */
    private readonly abort: RequestAbort,
  ) {}

  async start(): Promise<void> {}

  async send(message: JSONRPCMessage): Promise<void> {
    const m = message as { id?: RequestId; method?: string; params?: Record<string, unknown> };
    if (typeof m.method !== 'string') return;
    const related = { [RELATED_TASK_KEY]: { taskId: this.run.taskId } };
    const params = { ...m.params, _meta: { ...(m.params?._meta as object), ...related } };
    if (m.id !== undefined) return this.ask(String(m.id), m.method, params);
    if (m.method === 'notifications/cancelled') return;
    if (m.method === 'notifications/progress') {
      this.run.progress(progressMessage(m.params));
      // The client's own token stays valid for the task's lifetime; a token we made up is ours.
      if (this.clientToken === undefined) return;
    }
    // The task outlives its client's connection: with the session gone, its messages have nowhere to go.
    if (this.origin.isClosed) return;
    await this.origin.notify(m.method, params).catch(() => undefined);
  }

  private ask(key: string, method: string, params: Record<string, unknown>): void {
    this.run.asked(key, { method, params });
    // On the stream of a tasks/result waiting for this task, as 2025-11-25 describes; else on the session's own.
    const [waiting] = this.run.resultRequests;
    this.origin.requestClient(method, params, { signal: this.abort.signal, ...(waiting !== undefined && { relatedRequestId: waiting }) }).then(
      (result) => this.session?.receive({ jsonrpc: '2.0', id: key, result: result as Record<string, unknown> }),
      (error: Error & { code?: number }) =>
        this.session?.receive({ jsonrpc: '2.0', id: key, error: { code: error.code ?? -32603, message: error.message } }),
    ).finally(() => this.run.answered(key));
  }

  async close(): Promise<void> {
    this.onclose?.();
  }
}

/** Runs a 2025-11-25 task-augmented `tools/call` on its own session, reporting to `run`. */
export function runLegacyTask(run: TaskRun, origin: Session, callTool: MethodHandler, params: Record<string, unknown>, onError: (error: unknown, where: string) => void): void {
  const { params: withToken, clientToken } = withProgressToken(params, run.taskId);
  const controller = new RequestAbort();
  const transport = new TaskTransport(run, origin, clientToken, controller);
  const session = new Session(`${origin.id}/task`, origin.kind, transport, { methods: {}, onClose: () => undefined, onError });
  transport.session = session;
  Object.assign(session, {
    initialized: true,
    protocolVersion: origin.protocolVersion,
    clientCapabilities: origin.clientCapabilities,
    clientInfo: origin.clientInfo,
    logLevel: origin.logLevel,
    auth: origin.auth,
  });
  const id = `task:${run.taskId}`;
  run.onCancel(() => controller.abort(new AbortReason('cancelled', 'the client cancelled the task')));
  session.inflight.set(id, controller);
  callTool(session, withToken, { id, controller, asTask: true })
    .then(
      (result) => run.finish({ result: result as Record<string, unknown> }),
      (error) => run.finish({ error }),
    )
    .finally(() => {
      session.inflight.delete(id);
      void session.close();
    });
}
