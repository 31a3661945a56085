import { Writable } from 'node:stream';

export interface ClaimedStdout {
  /** The only way to fd 1 from now on: JSON-RPC lines, nothing else. */
  protocol: Writable;
  /** Gives `process.stdout.write` back (tests, a library user closing the server). */
  release(): void;
}

/**
 * Over stdio, fd 1 is the protocol: one stray `console.log` in a tool file would be a line the
 * client cannot parse. So the protocol keeps a private handle on the real `write`, and every
 * other write to `process.stdout` (console.log, process.stdout.write in tool code) goes to stderr.
 */
export function claimStdout(): ClaimedStdout {
  const stdout = process.stdout;
  const original = stdout.write;
  const toFd1 = original.bind(stdout) as (chunk: string | Uint8Array, callback: (error?: Error | null) => void) => boolean;
  const protocol = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      toFd1(chunk, (error) => callback(error ?? null));
    },
    // Pipelined answers queue up while one write is in flight: send them as one write.
    writev(chunks, callback) {
      toFd1(Buffer.concat(chunks.map((c) => c.chunk as Buffer)), (error) => callback(error ?? null));
    },
  });
  stdout.write = ((chunk: never, encoding?: never, callback?: never) => process.stderr.write(chunk, encoding, callback)) as typeof stdout.write;
  return {
    protocol,
    release() {
      if (stdout.write !== original) stdout.write = original;
    },
  };
}
