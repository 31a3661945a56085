import type { Server as HttpServer } from 'node:http';
import type { Socket } from 'node:net';
import { ClusterDirectory } from './cluster-directory.js';
import type { RoutedConnectionMessage } from './connection-router.js';
import type { SessionDirectory, SessionLocation, SseDelivery } from '../protocol/session-directory.js';

/**
 * The worker's half of connection routing: sockets the primary hands over enter this worker's
 * HTTP server as if it had accepted them, the bytes the primary read first in front.
 * Returns a function that stops accepting them.
 */
export function acceptRoutedConnections(server: HttpServer): () => void {
  const onMessage = (message: RoutedConnectionMessage, socket?: Socket) => {
    if (message?.mcpSse !== 'connection' || !socket) return;
    server.emit('connection', socket);
    // Synchronously, before the socket's own reads: the head is the start of the byte stream.
    if (message.head) socket.emit('data', Buffer.from(message.head, 'latin1'));
  };
  process.on('message', onMessage);
  return () => void process.off('message', onMessage);
}

/**
 * A `--workers` child on Redis: Redis tells other instances where sessions live, and the primary
 * is told too, so that it routes their connections to this worker.
 */
export class PrimaryInformedDirectory implements SessionDirectory {
  /** Only its claim and release are used: they need no `start()`, and they are what the primary reads. */
  private readonly primary: ClusterDirectory;

  constructor(
    private readonly inner: SessionDirectory,
    relayUrl: () => string,
  ) {
    this.primary = new ClusterDirectory(relayUrl);
  }

  get instanceId() {
    return this.inner.instanceId;
  }
  get healthy() {
    return this.inner.healthy;
  }
  get relayOverHttp() {
    return this.inner.relayOverHttp;
  }

  claim(sessionId: string, kind: 'sse' | 'http'): void {
    this.inner.claim(sessionId, kind);
    this.primary.claim(sessionId, kind);
  }

  release(sessionId: string): void {
    this.inner.release(sessionId);
    this.primary.release(sessionId);
  }

  start = () => this.inner.start();
  announce = () => this.inner.announce();
  locate = (sessionId: string): Promise<SessionLocation | undefined> => this.inner.locate(sessionId);
  forget = (sessionId: string) => this.inner.forget(sessionId);
  deliverSse = (location: SessionLocation, delivery: Omit<SseDelivery, 'type'>) => this.inner.deliverSse(location, delivery);
  broadcastResourceUpdate = (uri: string) => this.inner.broadcastResourceUpdate(uri);
  onSseDelivery = (handler: (delivery: SseDelivery) => boolean) => this.inner.onSseDelivery(handler);
  onResourceUpdate = (handler: (uri: string) => void) => this.inner.onResourceUpdate(handler);
  close = () => this.inner.close();
}
