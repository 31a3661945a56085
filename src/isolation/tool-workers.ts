import type { Context } from '../definitions/context.js';
import { LoadError } from '../definitions/file-load.js';
import type { DefineOutcome } from '../files/define-exports.js';
import type { DefinitionRunner } from '../files/loader.js';
import type { Logger } from '../logger.js';
import type { ServerContext } from '../protocol/context.js';
import { fromThrown, type ContextFacts, type Descriptor, type FromWorker, type Target, type Thrown, type ToWorker } from './messages.js';
import { endWorker, spawnWorker, type Slot } from './worker-process.js';
import { remoteDefinitions } from './remote-definitions.js';
import { performOp } from './context-ops.js';

export interface ToolWorkerOptions {
  /** Worker processes that run tool code; each file is loaded in one of them. */
  size: number;
  /** Heap limit of each (V8's old generation), in MB. */
  memoryMb: number;
  /** How long a file's top-level code may run before its load fails and its worker is replaced. */
  loadTimeoutMs: number;
  logger: Logger;
  /** `notifyResourceUpdated` called by tool code outside any request. */
  onResourceUpdated(uri: string): void;
  /**
   * When the server traces: the module a worker imports to trace its calls (see
   * `WorkerTracing`). Each call's span context comes with its ctx (`traceContext`).
   */
  tracing?: { module: string };
}

/** After an abort, how long a call may take to stop before its worker is asked whether it still answers. */
const STOP_GRACE_MS = 1000;
const PING_TIMEOUT_MS = 1000;
/** How long a traced worker may take to send its last spans when the server closes. */
const FLUSH_MS = 1500;

interface Call {
  slot: Slot;
  unlisten?: () => void;
  name: string;
  resolve(value: { invalid: string } | { value: unknown }): void;
  reject(error: Error): void;
}
interface Load {
  slot: Slot;
  file: string;
  message: Extract<ToWorker, { t: 'load' }>;
  timer?: NodeJS.Timeout;
  resolve(outcome: { ok: true; descriptors: Descriptor[] } | { ok: false; error: Thrown }): void;
}

/**
 * Tool code in worker processes (the isolated mode): a pool of workers, each file assigned to one.
 * A handler past its timeout whose worker no longer answers, `process.exit`, a runaway allocation
 * or a file whose top-level code never finishes costs that worker, which is replaced and given
 * its files again; the server's thread (sessions, transports, registry, /healthz) never waits.
 */
export class ToolWorkers implements DefinitionRunner {
  private readonly slots: Slot[] = [];
  private readonly calls = new Map<number, Call>();
  /** The real ctx of every call whose worker-side ctx may still be used, even after it answered. */
  private readonly contexts = new Map<number, { slot: Slot; ctx: Context }>();
  private readonly loads = new Map<number, Load>();
  private readonly pings = new Map<number, () => void>();
  /** Versions some definition in this thread still refers to, to load again into a new worker. */
  private readonly live = new Map<number, { slot: number; refs: number; message: Extract<ToWorker, { t: 'load' }> }>();
  private readonly assigned = new Map<string, number>();
  private readonly released = new FinalizationRegistry<number>((version) => this.release(version));
  private nextId = 1;
  private nextVersion = 1;
  private closed = false;

  constructor(private readonly options: ToolWorkerOptions) {
    for (let i = 0; i < Math.max(1, options.size); i++) this.slots.push(this.spawn(i, []));
  }

  private spawn(index: number, deaths: number[]): Slot {
    const args = this.options.tracing ? [this.options.tracing.module] : [];
    return spawnWorker(index, { files: this.slots[index]?.files ?? 0, deaths, memoryMb: this.options.memoryMb, args }, {
      message: (slot, message) => this.receive(slot, message),
      deliver: (slot, batch) => this.deliver(slot, batch),
      exit: (slot, why) => this.died(slot, why),
    });
  }

  /** Loads `code` in the file's worker; its definitions come back as stand-ins that call into it. */
  async define(input: { file: string; root: string; relative: string; code: string }): Promise<DefineOutcome> {
    if (this.closed) return { ok: false, error: new LoadError('the server is closing') };
    const slot = this.slotFor(input.file);
    const version = this.nextVersion++;
    const id = this.nextId++;
    const message: Extract<ToWorker, { t: 'load' }> = { t: 'load', id, version, file: input.file, relative: input.relative, root: input.root, code: input.code };
    const outcome = await new Promise<Parameters<Load['resolve']>[0]>((resolve) => {
      this.loads.set(id, { slot, file: input.file, message, resolve });
      this.post(slot, message);
    });
    if (!outcome.ok) {
      this.post(slot, { t: 'drop', version });
      const { message: text, location, frame } = outcome.error as Extract<FromWorker, { t: 'loaded'; ok: false }>['error'];
      return { ok: false, error: new LoadError(text, location, frame) };
    }
    this.live.set(version, { slot: slot.index, refs: outcome.descriptors.length, message });
    const definitions = remoteDefinitions(outcome.descriptors, (target, args, ctx, name) => this.call(version, target, args, ctx, name));
    // Once nothing here uses this version (replaced, removed, its last call done), its worker lets it go.
    for (const def of definitions) this.released.register(def, version);
    return { ok: true, definitions };
  }

  private slotFor(file: string): Slot {
    let index = this.assigned.get(file);
    if (index === undefined) {
      index = this.slots.reduce((best, s) => (s.files < this.slots[best]!.files ? s.index : best), 0);
      this.assigned.set(file, index);
      this.slots[index]!.files++;
    }
    return this.slots[index]!;
  }

  private release(version: number): void {
    const entry = this.live.get(version);
    // A version goes with its last definition.
    if (!entry || --entry.refs > 0) return;
    this.live.delete(version);
    this.post(this.slots[entry.slot]!, { t: 'drop', version });
  }

  private call(version: number, target: Omit<Target, 'version'>, args: unknown[], ctx: Context, name: string): Promise<{ invalid: string } | { value: unknown }> {
    const entry = this.live.get(version);
    const slot = this.slots[entry?.slot ?? 0]!;
    const id = this.nextId++;
    const { canCloseStream, requestAbort, traceContext: trace } = ctx as ServerContext;
    const closable = canCloseStream();
    const facts: ContextFacts = { sessionId: ctx.sessionId, requestId: ctx.requestId, meta: ctx.meta, client: ctx.client, auth: ctx.auth, closable };
    return new Promise((resolve, reject) => {
      // Between a worker's death and its replacement a message would be lost: fail now, clearly.
      if (slot.stopping || !slot.worker.connected) return reject(new Error(`tool ${name} did not run: its tool worker is being replaced; try again`));
      const call: Call = { slot, name, resolve, reject };
      this.calls.set(id, call);
      this.contexts.set(id, { slot, ctx });
      // Not ctx.signal: an AbortSignal made for every call costs more than the rest of the call here.
      const onAbort = (reason: unknown) => this.aborted(id, reason as { kind?: string; message?: string } | undefined);
      if (requestAbort.aborted) return onAbort(requestAbort.reason);
      call.unlisten = requestAbort.onAbort(onAbort);
      this.post(slot, { t: 'call', id, target: { ...target, version }, args, ctx: facts, ...(trace && { trace }) });
    });
  }

  /** The call was cancelled or timed out: told to stop; if its worker no longer answers, it goes. */
  private aborted(id: number, reason: { kind?: string; message?: string } | undefined): void {
    const call = this.calls.get(id);
    if (!call) return;
    const kind = (reason?.kind ?? 'cancelled') as 'cancelled' | 'timeout' | 'disconnected';
    this.post(call.slot, { t: 'abort', id, kind, message: reason?.message ?? 'aborted' });
    const { slot } = call;
    setTimeout(async () => {
      if (!this.calls.has(id) || slot.stopping) return;
      if (!(await this.answers(slot))) this.stop(slot, `tool ${call.name} kept it busy past its ${kind === 'timeout' ? 'timeout' : 'cancellation'}`);
      // If it answers, the handler only waits on something. Its call was answered already, but
      // stays listed so that its end (or its worker's) still settles it: until then a dropped
      // session holds its slot (SessionHub.draining).
    }, STOP_GRACE_MS).unref();
  }

  private answers(slot: Slot): Promise<boolean> {
    const id = this.nextId++;
    return new Promise((resolve) => {
      const timer = setTimeout(() => (this.pings.delete(id), resolve(false)), PING_TIMEOUT_MS);
      this.pings.set(id, () => (clearTimeout(timer), resolve(true)));
      this.post(slot, { t: 'ping', id });
    });
  }

  private stop(slot: Slot, why: string): void {
    if (slot.stopping || this.slots[slot.index] !== slot) return;
    slot.stopping = why;
    slot.worker.kill('SIGKILL');
  }

  private post(slot: Slot, message: ToWorker): void {
    if (slot.stopping || !slot.worker.connected) return;
    slot.outbox.push(message);
  }

  private deliver(slot: Slot, batch: ToWorker[]): void {
    if (slot.stopping || !slot.worker.connected) return;
    try {
      slot.worker.send(batch);
    } catch (error) {
      // One message JSON cannot carry (a BigInt in an answer to ctx.sample, say) fails only itself.
      if (batch.length > 1) return batch.forEach((message) => this.deliver(slot, [message]));
      const [message] = batch;
      if (message?.t === 'call') this.calls.get(message.id)?.reject(error as Error);
      else if (message?.t === 'opReply') this.post(slot, { t: 'opReply', op: message.op, ok: false, error: { message: (error as Error).message } });
    }
  }

  private receive(slot: Slot, message: FromWorker): void {
    switch (message.t) {
      case 'loading': {
        // Timed from here, not from the request: a worker still starting, or busy with the files
        // before this one, is not this file's fault.
        const load = this.loads.get(message.id);
        if (!load) return;
        slot.current = message.id;
        load.timer = setTimeout(() => {
          slot.culprit = message.id;
          this.stop(slot, `the top-level code of ${load.message.relative} did not finish within ${this.options.loadTimeoutMs} ms`);
        }, this.options.loadTimeoutMs);
        return;
      }
      case 'loaded': {
        const load = this.loads.get(message.id);
        this.loads.delete(message.id);
        clearTimeout(load?.timer);
        if (slot.current === message.id) slot.current = undefined;
        return load?.resolve(message.ok ? { ok: true, descriptors: message.descriptors } : { ok: false, error: message.error });
      }
      case 'done': {
        const call = this.calls.get(message.id);
        if (!call) return;
        this.calls.delete(message.id);
        call.unlisten?.();
        if (message.ok === true) call.resolve({ value: message.value });
        else if (message.ok === 'invalid') call.resolve({ invalid: message.message });
        else call.reject(fromThrown(message.error, true));
        return;
      }
      case 'ops':
        for (const op of message.ops) performOp(this.contexts.get(op.call)?.ctx, op, (reply) => this.post(slot, reply));
        return;
      case 'ctxGone':
        return void this.contexts.delete(message.call);
      case 'resourceUpdated':
        return this.options.onResourceUpdated(message.uri);
      case 'stray':
        return this.options.logger.error(`${message.what} (the server keeps running): ${message.text}`);
      case 'pong':
        return this.pings.get(message.id)?.();
    }
  }

  /** A worker is gone: what it was doing fails with why, and a new one takes its files. */
  private died(slot: Slot, why: string): void {
    if (this.slots[slot.index] !== slot) return;
    for (const [id, call] of this.calls) {
      if (call.slot !== slot) continue;
      this.calls.delete(id);
      call.reject(new Error(`tool ${call.name} did not finish: its worker was stopped because ${why}`));
    }
    for (const [id, entry] of this.contexts) if (entry.slot === slot) this.contexts.delete(id);
    for (const [id, load] of this.loads) {
      if (load.slot !== slot) continue;
      clearTimeout(load.timer);
      // The load that was running fails; the others did nothing wrong and are tried again in the new worker.
      const culprit = id === (slot.culprit ?? slot.current);
      if (!culprit && !this.closed) continue;
      this.loads.delete(id);
      const message = !culprit
        ? 'not loaded: the server is closing'
        : id === slot.culprit
          ? `its top-level code did not finish within ${this.options.loadTimeoutMs} ms (an endless loop? --load-timeout sets the limit)`
          : `its top-level code stopped its tool worker: ${why}`;
      load.resolve({ ok: false, error: { message } });
    }
    if (this.closed) return;
    this.options.logger.warn(`tool worker ${slot.index + 1} stopped: ${why}; starting a new one`);
    const now = Date.now();
    const deaths = [...slot.deaths.filter((t) => now - t < 60_000), now];
    // A worker that dies again and again (a file that kills it on every load) is restarted ever
    // more slowly, so it never spins the machine.
    const delay = deaths.length > 3 ? Math.min(30_000, 250 * 2 ** (deaths.length - 3)) : 0;
    setTimeout(() => this.respawn(slot.index, deaths), delay).unref();
  }

  private respawn(index: number, deaths: number[]): void {
    if (this.closed) return;
    const slot = this.spawn(index, deaths);
    this.slots[index] = slot;
    for (const { slot: s, message } of this.live.values()) if (s === index) this.post(slot, { ...message, id: 0 });
    for (const load of this.loads.values()) {
      if (load.slot.index !== index) continue;
      load.slot = slot;
      this.post(slot, load.message);
    }
  }

  /** Restarts since start, for /healthz. */
  get size(): number {
    return this.slots.length;
  }

  async close(): Promise<void> {
    this.closed = true;
    // A traced worker is let go of instead, to send its buffered spans first (best effort).
    await Promise.all(this.slots.map((slot) => endWorker(slot, this.options.tracing ? FLUSH_MS : 0)));
  }
}
