import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { SessionDirectory } from './session-directory.js';
import type { ListChanges } from './registry.js';
import type { MethodTable } from './session.js';
import { Session, type SessionHost, type TransportKind } from './session.js';

export interface HubOptions {
  methods: MethodTable;
  maxSessions: number;
  /** Sessions one client (identity, or remote address) may hold at once; 0: no such cap. */
  maxSessionsPerClient?: number;
  sessionTimeoutMs: number;
  onError(error: unknown, where: string): void;
  /** Told about every session that comes and goes, so other instances can find it (scale-out). */
  directory?: Pick<SessionDirectory, 'claim' | 'release'>;
}

/**
 * Every live session of every transport. Owns limits and reaping, and fans registry changes and
 * resource updates out to sessions; it knows nothing of HTTP.
 */
export class SessionHub implements SessionHost {
  readonly sessions = new Map<string, Session>();
  /**
   * Closed sessions whose handlers still run (they ignored their signal): out of `sessions`, so
   * nothing reaches them, but still counted against the limits until they settle, so that stuck
   * handlers cannot pile up past `--max-sessions`.
   */
  readonly draining = new Set<Session>();
  readonly methods: MethodTable;
  private readonly reaper: NodeJS.Timeout;
  /** Idle sessions with an open stream that were sent a liveness `ping` and have not answered yet. */
  private readonly probing = new Set<Session>();

  constructor(private readonly options: HubOptions) {
    this.methods = options.methods;
    // Check a few times per timeout so a session lives at most ~1.25× its idle limit.
    const every = Math.max(50, Math.min(options.sessionTimeoutMs / 4, 30_000));
    this.reaper = setInterval(() => this.reap(), every);
    this.reaper.unref();
  }

  get isFull(): boolean {
    return this.sessions.size + this.draining.size >= this.options.maxSessions;
  }

  /**
   * Makes room for a new session of `client`, or says which limit refuses it. Sessions opened and
   * never used past the handshake go first (oldest first): a flood of bare `initialize`s churns
   * its own sessions instead of locking everyone else out.
   */
  admit(client: string | undefined): 'max-sessions' | 'max-sessions-per-client' | undefined {
    const perClient = this.options.maxSessionsPerClient ?? 0;
    if (perClient > 0 && client !== undefined) {
      const mine = [...this.sessions.values(), ...this.draining].filter((s) => s.clientKey === client);
      if (mine.length >= perClient && !this.evictUnused(mine)) return 'max-sessions-per-client';
    }
    if (this.isFull && !this.evictUnused(this.sessions.values())) return 'max-sessions';
    return undefined;
  }

  private evictUnused(sessions: Iterable<Session>): boolean {
    for (const session of sessions) {
      if (session.used || session.inflight.size > 0 || session.isClosed) continue;
      // Leaves `sessions` at once: close marks the session closed before its transport ends.
      void session.close('the session was evicted to make room for a new one');
      return true;
    }
    return false;
  }

  /** A session object for a transport; `register` makes it reachable by id. */
  create(id: string, kind: TransportKind, transport: Transport): Session {
    return new Session(id, kind, transport, this);
  }

  register(session: Session): void {
    this.sessions.set(session.id, session);
    if (session.kind === 'sse' || session.kind === 'http') this.options.directory?.claim(session.id, session.kind);
  }

  get(id: string): Session | undefined {
    return this.sessions.get(id);
  }

  onClose(session: Session): void {
    if (this.sessions.get(session.id) === session) {
      this.sessions.delete(session.id);
      this.options.directory?.release(session.id);
      if (!session.settled) this.draining.add(session);
    }
  }

  onSettled(session: Session): void {
    this.draining.delete(session);
  }

  onError(error: unknown, where: string): void {
    this.options.onError(error, where);
  }

  /**
   * Idle means: nothing in flight and no message from the client for the whole timeout. An open
   * stream alone proves nothing (a client that vanished without a FIN leaves one open forever, and
   * a legacy SSE session always has one), so an idle session with a stream is asked for a `ping`
   * first: a client that answers is alive and keeps its session; one that does not is closed.
   */
  private reap(): void {
    const cutoff = Date.now() - this.options.sessionTimeoutMs;
    for (const session of this.sessions.values()) {
      if (session.inflight.size > 0 || session.lastActivity >= cutoff || this.probing.has(session)) continue;
      if (session.openStreams === 0) {
        void session.close('the session expired: idle past --session-timeout');
        continue;
      }
      this.probing.add(session);
      const timeoutMs = Math.min(30_000, Math.max(1000, this.options.sessionTimeoutMs));
      session
        .requestClient('ping', {}, { timeoutMs })
        .then(
          () => (session.lastActivity = Date.now()),
          () => session.close('the session was dropped: its client did not answer a ping'),
        )
        .finally(() => this.probing.delete(session));
    }
  }

  broadcastListChanges(changes: ListChanges): void {
    const methods = [
      changes.tools && 'notifications/tools/list_changed',
      changes.resources && 'notifications/resources/list_changed',
      changes.prompts && 'notifications/prompts/list_changed',
    ].filter((m): m is string => Boolean(m));
    for (const session of this.sessions.values()) {
      if (!session.initialized) continue;
      for (const method of methods) session.notify(method).catch(() => undefined);
    }
  }

  notifyResourceUpdated(uri: string): void {
    for (const session of this.sessions.values()) {
      if (session.subscriptions?.has(uri)) session.notify('notifications/resources/updated', { uri }).catch(() => undefined);
    }
  }

  async closeAll(): Promise<void> {
    clearInterval(this.reaper);
    await Promise.all([...this.sessions.values()].map((s) => s.close('the server is shutting down')));
  }

  counts(): Record<TransportKind, number> {
    const counts: Record<TransportKind, number> = { sse: 0, http: 0, stdio: 0, memory: 0 };
    for (const session of this.sessions.values()) counts[session.kind]++;
    return counts;
  }
}
