import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { JSONRPCMessage, LoggingLevel, RequestId } from '@modelcontextprotocol/sdk/types.js';
import { RequestAbort } from '../protocol/request-abort.js';
import type { MethodHandler } from '../protocol/session.js';
import { AbortReason, Session, type SessionHost } from '../protocol/session.js';
import { progressMessage } from '../protocol/tasks/task-run.js';
import type { TaskRun } from '../protocol/tasks/tasks.js';

/** What a 2026-07-28 HTTP exchange can do for the call it serves. */
export interface ExchangeSink {
  notify(notification: { method: string; params?: Record<string, unknown> }): Promise<void>;
  /** Calls `listener` when the client closes the exchange before its answer; returns a remover. */
  onAbandoned(listener: () => void): () => void;
  readonly abandoned: boolean;
}

export interface CallIdentity {
  /** The wire the call came over (default `http`): what its session's `kind` says to observers. */
  transport?: 'http' | 'stdio';
  protocolVersion?: string;
  clientCapabilities: Record<string, unknown>;
  clientInfo?: { name: string; version: string };
  logLevel?: LoggingLevel;
  auth?: Session['auth'];
}

export type CallOutcome =
  | { kind: 'result'; value: unknown }
  | { kind: 'input'; requests: Record<string, { method: string; params?: Record<string, unknown> }> };

/**
 * The transport a modern call's session writes to. There is no connection: notifications go to
 * whichever HTTP exchange currently serves the call, and server → client requests (ctx.sample,
 * ctx.elicit) are held for the call to hand back as `input_required`.
 */
class ExchangeTransport implements Transport {
  onmessage?: Transport['onmessage'];
  onclose?: () => void;
  onerror?: (error: Error) => void;

  constructor(private readonly call: ModernCall) {}

  async start(): Promise<void> {}

  async send(message: JSONRPCMessage): Promise<void> {
    const m = message as { id?: RequestId; method?: string; params?: Record<string, unknown> };
    if (typeof m.method !== 'string') return;
    if (m.id !== undefined) {
      this.call.requestedInput(String(m.id), m.method, m.params);
      return;
    }
    // The revision cancels by closing streams, and a client without a logLevel asked for no logs.
    if (m.method === 'notifications/cancelled') return;
    // A task has no stream: its progress is its status message, and logs have nowhere to go.
    if (this.call.task) {
      if (m.method === 'notifications/progress') this.call.task.progress(progressMessage(m.params));
      return;
    }
    if (m.method === 'notifications/message' && this.call.identity.logLevel === undefined) return;
    await this.call.sink?.notify({ method: m.method, ...(m.params && { params: m.params }) });
  }

  async close(): Promise<void> {
    this.onclose?.();
  }
}

/**
 * One 2026-07-28 request served from the method table through a per-call `Session`, so handlers
 * and their `ctx` run exactly the code the 2025 era runs. A call that asks the client for input
 * survives its HTTP exchange: it is held, and the client's retry (with `inputResponses` and the
 * `requestState` naming this call) answers the pending `ctx.sample`/`ctx.elicit` and resumes it.
 */
export class ModernCall {
  readonly session: Session;
  readonly controller = new RequestAbort();
  sink?: ExchangeSink;
  /** Set once the call became a task: input and progress go to it, and the client polls. */
  task?: TaskRun;
  /** A task tool with `askFirst`: its first input rounds are answered before it becomes a task. */
  becomesTask = false;
  // Made when a call first asks or is answered: most calls never do.
  private outstandingRequests?: Map<string, { method: string; params?: Record<string, unknown> }>;
  private askedKeys?: Set<string>;
  private prepared?: Map<string, unknown>;
  private settled?: Promise<CallOutcome>;
  private wake?: () => void;
  private detach?: () => void;

  private get outstanding() {
    return (this.outstandingRequests ??= new Map());
  }

  private get asked() {
    return (this.askedKeys ??= new Set());
  }

  constructor(
    readonly identity: CallIdentity,
    host: SessionHost,
  ) {
    this.session = new Session('', identity.transport ?? 'http', new ExchangeTransport(this), host);
    this.session.initialized = true;
    this.session.protocolVersion = identity.protocolVersion;
    // Whether the client may be asked is decided when the call asks (see `missingCapabilities`): the
    // revision answers an undeclared capability with -32021, not with an error inside the tool.
    this.session.clientCapabilities = { sampling: {}, elicitation: { form: {}, url: {} }, roots: {} };
    this.session.declaredCapabilities = identity.clientCapabilities;
    this.session.clientInfo = identity.clientInfo;
    this.session.logLevel = identity.logLevel;
    this.session.auth = identity.auth;
  }

  /** Starts the method on its first exchange, so what it sends at once already has somewhere to go. */
  async start(sink: ExchangeSink, handler: MethodHandler, id: RequestId, params: Record<string, unknown>): Promise<CallOutcome> {
    this.attach(sink);
    this.run(handler, id, params);
    return this.serve(sink);
  }

  /** Starts a call that is a task from its first moment: no exchange waits for it. */
  startAsTask(handler: MethodHandler, id: RequestId, params: Record<string, unknown>, run: TaskRun): void {
    this.run(handler, id, params, true);
    this.promote(run);
  }

  /**
   * Turns the call into a task: what it still asks and everything it asks from now on is the
   * task's input, answered by `tasks/update`; its result or error is the task's.
   */
  promote(run: TaskRun): void {
    this.task = run;
    for (const [key, request] of this.outstandingRequests ?? []) run.asked(key, request);
    run.onAnswers((responses) => this.answer(responses));
    run.onCancel(() => this.controller.abort(new AbortReason('cancelled', 'the client cancelled the task')));
    this.settled!.then(
      (outcome) => run.finish({ result: (outcome as { value: Record<string, unknown> }).value }),
      (error) => run.finish({ error }),
    );
  }

  private run(handler: MethodHandler, id: RequestId, params: Record<string, unknown>, asTask = this.becomesTask): void {
    this.session.inflight.set(id, this.controller);
    const work = handler(this.session, params, { id, controller: this.controller, asTask });
    this.settled = work.then((value): CallOutcome => ({ kind: 'result', value }));
    this.settled.catch(() => undefined).finally(() => this.session.inflight.delete(id));
  }

  /**
   * Answers a first request brought along (`inputResponses` without a `requestState`: a client
   * that knows what the call will ask): a request made under one of their keys gets it at once.
   */
  preanswer(responses: Record<string, unknown> | undefined): void {
    if (!responses) return;
    this.prepared ??= new Map();
    for (const [key, result] of Object.entries(responses)) this.prepared.set(key, result);
  }

  requestedInput(key: string, method: string, params?: Record<string, unknown>): void {
    if (this.task) {
      const request = { method, ...(params && { params }) };
      if (this.missingCapabilities({ [key]: request })) {
        const message = `${method} needs a client capability that the request making this task did not declare in its clientCapabilities`;
        queueMicrotask(() => this.session.receive({ jsonrpc: '2.0', id: key, error: { code: -32021, message } }));
        return;
      }
      this.outstanding.set(key, request);
      this.task.asked(key, request);
      return;
    }
    if (this.prepared?.has(key)) {
      const result = this.prepared.get(key) as Record<string, unknown>;
      this.prepared.delete(key);
      // After `send` returns: the session registers the request before it sends it.
      queueMicrotask(() => this.session.receive({ jsonrpc: '2.0', id: key, result }));
      return;
    }
    this.outstanding.set(key, { method, ...(params && { params }) });
    // Requests made in the same turn (Promise.all of two elicitations) go back together.
    setImmediate(() => this.wake?.());
  }

  /** Hands the client's answers to the pending requests they name; unknown keys are ignored. */
  answer(responses: Record<string, unknown> | undefined): void {
    for (const [key, result] of Object.entries(responses ?? {})) {
      if (!this.outstanding.delete(key)) continue;
      this.asked.delete(key);
      this.session.receive({ jsonrpc: '2.0', id: key, result: result as Record<string, unknown> });
    }
  }

  private attach(sink: ExchangeSink): void {
    this.sink = sink;
    const onAbort = () => this.controller.abort(new AbortReason('cancelled', 'the client closed the request'));
    if (sink.abandoned) onAbort();
    this.detach = sink.onAbandoned(onAbort);
  }

  /** Serves the call on one HTTP exchange until it has a result or needs the client's input. */
  async serve(sink: ExchangeSink): Promise<CallOutcome> {
    if (this.sink !== sink) this.attach(sink);
    const needsInput = new Promise<CallOutcome>((resolve) => {
      const check = () => {
        const unasked = [...this.outstanding].filter(([key]) => !this.asked.has(key));
        // A retry that left a question unanswered gets it again.
        const pending = unasked.length > 0 ? unasked : [...this.outstanding];
        if (pending.length === 0) return;
        for (const [key] of pending) this.asked.add(key);
        resolve({ kind: 'input', requests: Object.fromEntries(pending) });
      };
      this.wake = check;
      // A resumed call may still owe the client a question; a fresh one asks through `requestedInput`.
      if (this.outstandingRequests?.size) setImmediate(check);
    });
    try {
      return await Promise.race([this.settled!, needsInput]);
    } finally {
      this.wake = undefined;
      this.sink = undefined;
      // Dropped, not only called: it holds the exchange (request, response, body), and a call
      // that lives on (held, a task, a handler ignoring its signal) must not keep that alive.
      this.detach?.();
      this.detach = undefined;
    }
  }

  /** The capabilities these requests need that the client's envelope did not declare, in spec shape. */
  missingCapabilities(requests: Record<string, { method: string; params?: Record<string, unknown> }>): Record<string, unknown> | undefined {
    const declared = this.identity.clientCapabilities as { sampling?: object; elicitation?: { form?: object; url?: object }; roots?: object };
    const missing: Record<string, unknown> = {};
    for (const { method, params } of Object.values(requests)) {
      if (method === 'sampling/createMessage' && !declared.sampling) missing.sampling = {};
      if (method === 'roots/list' && !declared.roots) missing.roots = {};
      if (method === 'elicitation/create') {
        const mode = params?.mode === 'url' ? 'url' : 'form';
        // A bare `elicitation: {}` means form mode, as before modes existed.
        const ok = declared.elicitation && (mode === 'url' ? declared.elicitation.url : declared.elicitation.form || !declared.elicitation.url);
        if (!ok) missing.elicitation = { ...(missing.elicitation as object), [mode]: {} };
      }
    }
    return Object.keys(missing).length > 0 ? missing : undefined;
  }

  /** Abandons a held call whose client never came back, or that cannot go on. */
  abandon(): void {
    this.controller.abort(new AbortReason('disconnected', 'the client did not retry the request with its input'));
    void this.session.close();
  }
}
