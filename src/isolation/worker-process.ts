import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { FromWorker, ToWorker } from './messages.js';
import { Outbox } from './outbox.js';

const ENTRY = fileURLToPath(new URL('./worker.js', import.meta.url));

/** One worker of the pool, as the pool tracks it. */
export interface Slot {
  index: number;
  worker: ChildProcess;
  /** What goes to it, one IPC message per event-loop turn. */
  outbox: Outbox<ToWorker>;
  /** It said, dying, that its heap was full. */
  outOfMemory?: boolean;
  /** Why it is being stopped, when we stop it: what its unfinished calls are told. */
  stopping?: string;
  /** The load that never finished, when that is why. */
  culprit?: number;
  /** The load whose top-level code is running now. */
  current?: number;
  files: number;
  deaths: number[];
}

/**
 * A worker is a child process, not a thread: in Node 20 a worker thread that outgrows its heap
 * limit by a single large allocation (a growing array or Map) aborts the whole process, which is
 * the failure this mode exists to contain. A process that aborts takes only itself down.
 */
export function spawnWorker(
  index: number,
  options: { files: number; deaths: number[]; memoryMb: number; args: string[] },
  on: { message(slot: Slot, message: FromWorker): void; deliver(slot: Slot, batch: ToWorker[]): void; exit(slot: Slot, why: string): void },
): Slot {
  // Not a cluster worker itself, even when forked by one: NODE_UNIQUE_ID would make it one.
  const { NODE_UNIQUE_ID: _cluster, ...env } = process.env;
  const worker = fork(ENTRY, options.args, {
    env,
    // JSON, not structured clone: half the CPU per message, and what crosses is what goes on the
    // wire anyway (results are shaped in the worker), so a value JSON cannot carry fails the call there.
    serialization: 'json',
    execArgv: [`--max-old-space-size=${options.memoryMb}`],
    // What tool code prints is log output: stderr, never the server's stdout (stdio carries JSON-RPC there).
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  const slot: Slot = { index, worker, outbox: new Outbox((batch) => on.deliver(slot, batch)), files: options.files, deaths: options.deaths };
  worker.stdout!.pipe(process.stderr, { end: false });
  worker.stderr!.on('data', (chunk: Buffer) => {
    if (chunk.includes('heap out of memory')) slot.outOfMemory = true;
    process.stderr.write(chunk);
  });
  worker.unref();
  (worker.channel as { unref?: () => void } | undefined)?.unref?.();
  // The worker too sends what it has once per turn: a message is a batch.
  worker.on('message', (batch: FromWorker[]) => {
    for (const message of batch) on.message(slot, message);
  });
  worker.on('error', (error) => {
    slot.stopping ??= `it failed: ${error.message}`;
  });
  worker.on('exit', (code, signal) => {
    const why =
      slot.stopping ??
      (slot.outOfMemory
        ? `it ran out of memory (the limit is ${options.memoryMb} MB a worker; see --tool-memory)`
        : signal
          ? `it was killed by ${signal}`
          : `it exited with code ${code} (tool code called process.exit?)`);
    on.exit(slot, why);
  });
  return slot;
}

/** Ends a worker: killed at once, or after `graceMs` if it has not left by itself once disconnected. */
export function endWorker(slot: Slot, graceMs: number): Promise<void> {
  const { worker } = slot;
  if (worker.exitCode !== null || worker.signalCode !== null) return Promise.resolve();
  const gone = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  // Workers are unref'd so they never keep the server alive; waiting for one to go must, or
  // a server whose start failed would exit 0 here instead of reporting its error.
  worker.ref();
  if (graceMs <= 0 || !worker.connected) {
    worker.kill('SIGKILL');
    return gone;
  }
  worker.disconnect();
  const timer = setTimeout(() => worker.kill('SIGKILL'), graceMs);
  return gone.finally(() => clearTimeout(timer));
}
