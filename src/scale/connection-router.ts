import type { Worker } from 'node:cluster';
import net from 'node:net';
import { PortInUseError } from '../http/listen.js';
import { HEAD_END, sessionOfRequestHead } from './request-head.js';

/** A connection handed to a worker, with the bytes the primary already read from it. */
export interface RoutedConnectionMessage {
  mcpSse: 'connection';
  /** The bytes read so far, as latin1 so that any byte survives the JSON of the IPC channel. */
  head: string;
}

/** Past this, the head is handed over unread: the worker's HTTP server answers oversized heads. */
const MAX_PEEK_BYTES = 16 * 1024;
/** A client that connects and says nothing is handed to a worker, whose timeouts deal with it. */
const SILENT_CLIENT_MS = 5_000;

export interface ConnectionRouterOptions {
  port: number;
  host: string;
  /** The worker for a connection whose first request is for `sessionId`, or any worker when undefined. */
  pick(sessionId: string | undefined): Worker | undefined;
}

/**
 * `--workers`: the primary owns the port, reads each new connection's first request head and
 * hands the socket to the worker that holds its session, so that a keep-alive connection's
 * requests are usually served where their session lives, without a relay. Requests for new
 * sessions go to whichever worker `pick` chooses.
 */
export function routeConnections(options: ConnectionRouterOptions): Promise<net.Server> {
  // noDelay as an HTTP server would set it at accept: the option belongs to the socket, so the worker
  // inherits it, and without it an answer written in two parts waits out the client's delayed ACK.
  const server = net.createServer({ pauseOnConnect: true, noDelay: true }, (socket) => peek(socket, options.pick));
  return new Promise((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(error.code === 'EADDRINUSE' ? new PortInUseError(options.port) : error),
    );
    server.listen(options.port, options.host, () => resolve(server));
  });
}

function peek(socket: net.Socket, pick: ConnectionRouterOptions['pick']) {
  const chunks: Buffer[] = [];
  let length = 0;
  const handOver = () => {
    clearTimeout(silent);
    socket.off('data', onData);
    // Stop reading here before the handle travels: bytes the primary read after this point would be lost.
    (socket as unknown as { _handle?: { readStop?(): void } })._handle?.readStop?.();
    socket.pause();
    for (let more: Buffer | null; (more = socket.read()) !== null; ) chunks.push(more);
    const head = Buffer.concat(chunks);
    const worker = pick(sessionOfRequestHead(head));
    if (!worker) return void socket.destroy();
    const message: RoutedConnectionMessage = { mcpSse: 'connection', head: head.toString('latin1') };
    worker.send(message, socket, (error) => error && socket.destroy());
  };
  const onData = (chunk: Buffer) => {
    chunks.push(chunk);
    length += chunk.length;
    // A head may end across two chunks.
    if (length >= MAX_PEEK_BYTES || (chunks.length === 1 ? chunk : Buffer.concat(chunks)).includes(HEAD_END)) handOver();
  };
  const silent = setTimeout(handOver, SILENT_CLIENT_MS);
  socket.on('data', onData);
  socket.on('error', () => socket.destroy());
  socket.once('close', () => clearTimeout(silent));
  socket.resume();
}
