import type { AuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js';
import { identityOf } from '../protocol/identity.js';
import type { SessionDirectory } from '../protocol/session-directory.js';
import type { ModernCall } from './modern-call.js';

interface Held {
  call: ModernCall;
  method: string;
  timer: NodeJS.Timeout;
}

/** Held calls are registered next to sessions, under a key no session id can take. */
export const heldKey = (token: string): string => `held:${token}`;

/**
 * 2026-07-28 calls waiting for the client's input, by the `requestState` token the client echoes
 * on its retry. Each is registered in the session directory (scale-out), so a retry that lands on
 * another instance can be relayed here, and is abandoned when nobody comes back for it.
 */
export class HeldCalls {
  private readonly held = new Map<string, Held>();

  constructor(
    private readonly options: { timeoutMs: number; max: number; directory?: Pick<SessionDirectory, 'claim' | 'release'> },
  ) {}

  get isFull(): boolean {
    return this.held.size >= this.options.max;
  }

  has(token: string): boolean {
    return this.held.has(token);
  }

  hold(token: string, call: ModernCall, method: string): void {
    const timer = setTimeout(() => {
      this.release(token);
      call.abandon();
    }, this.options.timeoutMs);
    timer.unref();
    this.held.set(token, { call, method, timer });
    this.options.directory?.claim(heldKey(token), 'http');
  }

  /** The call a retry continues: the same method, from the same identity; undefined otherwise. */
  take(token: string, method: string, auth: AuthInfo | undefined): ModernCall | undefined {
    const entry = this.held.get(token);
    if (!entry || entry.method !== method || identityOf(entry.call.identity.auth) !== identityOf(auth)) return undefined;
    this.release(token);
    return entry.call;
  }

  abandonAll(): void {
    for (const [token, { call }] of this.held) {
      this.release(token);
      call.abandon();
    }
  }

  private release(token: string): void {
    const entry = this.held.get(token);
    if (!entry) return;
    clearTimeout(entry.timer);
    this.held.delete(token);
    this.options.directory?.release(heldKey(token));
  }
}
