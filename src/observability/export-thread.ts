import { Worker } from 'node:worker_threads';
import type { SpanProcessor } from '@opentelemetry/sdk-trace-node';
import { SpanBatcher, type EndedSpan, type SpanBatch } from './span-record.js';

/** Spans per message: a post costs some µs whatever it carries, so a few dozen share one. */
const BATCH = 64;
/** How long a quiet server holds a short batch: the export thread's batch processor waits longer anyway. */
const HOLD_MS = 20;

export type ToExportThread = ({ t: 'spans' } & SpanBatch) | { t: 'flush' | 'shutdown'; id: number };
export type FromExportThread = { t: 'ready' } | { t: 'failed'; message: string } | { t: 'done'; id: number };

/**
 * A span processor that hands ended spans to a thread of their own, where the SDK's batch
 * processor and OTLP exporter (the unchanged libraries) encode and send them. Encoding is most of
 * what a traced call costs (the protobuf writer runs in JavaScript, inside `span.end()` of every
 * 512th span), and the event loop that serves every session should not pay it: the other SDKs do
 * the same with their batch processor's thread. What stays here is copying each span's fields.
 */
export class ExportThread implements SpanProcessor {
  private batch = new SpanBatcher();
  private timer: NodeJS.Timeout | undefined;
  private posted = 0;
  private dead = false;
  private droppedAny = false;
  private nextId = 0;
  private readonly replies = new Map<number, () => void>();

  private constructor(
    private readonly worker: Worker,
    /** Spans the thread has taken from its queue, counted there: no message back per batch. */
    private readonly taken: Int32Array,
    private readonly maxQueue: number,
    private readonly warn: (text: string) => void,
  ) {
    worker.on('message', (message: FromExportThread) => {
      if (message.t === 'done') this.reply(message.id);
    });
    const lost = (why: string) => {
      if (this.dead) return;
      this.dead = true;
      this.batch = new SpanBatcher();
      this.warn(`tracing stopped: the span export thread ${why}; the server goes on untraced`);
      for (const id of [...this.replies.keys()]) this.reply(id);
    };
    worker.on('error', (error) => lost(`failed (${error.message})`));
    worker.on('exit', (code) => lost(`exited with code ${code}`));
  }

  /** Starts the thread and waits until its exporter is made, so bad settings are reported at start. */
  static async start(env: NodeJS.ProcessEnv, version: string, warn: (text: string) => void): Promise<ExportThread> {
    const taken = new Int32Array(new SharedArrayBuffer(4));
    const worker = new Worker(new URL('./export-thread-worker.js', import.meta.url), { env: { ...env }, workerData: { version, taken }, stdout: false });
    await new Promise<void>((resolve, reject) => {
      const fail = (error: Error) => {
        worker.removeAllListeners();
        worker.on('error', () => undefined);
        void worker.terminate();
        reject(error);
      };
      worker.once('error', fail);
      worker.once('exit', (code) => fail(new Error(`the span export thread exited with code ${code}`)));
      worker.once('message', (message: FromExportThread) => {
        if (message.t !== 'ready') return fail(new Error(message.t === 'failed' ? message.message : 'the span export thread did not start'));
        worker.removeAllListeners();
        resolve();
      });
    });
    // A thread that is only sending spans must not keep a stopping server alive.
    worker.unref();
    return new ExportThread(worker, taken, Number(env.OTEL_BSP_MAX_QUEUE_SIZE) || 2048, warn);
  }

  onStart(): void {}

  onEnd(span: EndedSpan): void {
    if (this.dead) return;
    // A starved or stuck thread must not make the server hold spans without end: beyond what
    // the batch processor there would queue, spans are dropped here, as it would drop them.
    if (this.posted + this.batch.size - Atomics.load(this.taken, 0) >= this.maxQueue) {
      // Said once: a server that stays overloaded would say it on every call otherwise.
      if (!this.droppedAny) this.warn(`tracing: spans are being dropped, the span export thread is ${this.maxQueue} spans behind (OTEL_BSP_MAX_QUEUE_SIZE); later drops are not reported`);
      this.droppedAny = true;
      return;
    }
    this.batch.add(span);
    if (this.batch.size >= BATCH) this.post();
    else this.timer ??= setTimeout(this.post, HOLD_MS).unref();
  }

  forceFlush(): Promise<void> {
    return this.ask('flush');
  }

  async shutdown(): Promise<void> {
    await this.ask('shutdown');
    this.dead = true;
    await this.worker.terminate();
  }

  private readonly post = (): void => {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (!this.batch.size || this.dead) return;
    const message: ToExportThread = { t: 'spans', ...this.batch.take() };
    this.posted += message.spans.length;
    this.worker.postMessage(message);
  };

  private ask(t: 'flush' | 'shutdown'): Promise<void> {
    this.post();
    if (this.dead) return Promise.resolve();
    const id = this.nextId++;
    // Held while waiting: a stopping server whose only work left is this must wait for it.
    this.worker.ref();
    return new Promise<void>((resolve) => {
      this.replies.set(id, resolve);
      this.worker.postMessage({ t, id } satisfies ToExportThread);
    }).finally(() => {
      if (!this.replies.size) this.worker.unref();
    });
  }

  private reply(id: number): void {
    this.replies.get(id)?.();
    this.replies.delete(id);
  }
}
