import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * What the HTTP layer needs from authentication; `auth/` implements it (static token, config
 * hook, OAuth), so the transports never depend on how a caller is verified.
 */
export interface HttpAuthenticator {
  /** Sets `req.auth` and returns true, or answers 401 and returns false. */
  authenticate(req: IncomingMessage, res: ServerResponse): Promise<boolean>;
  /** Whether the request is authenticated, answering nothing (for routes open to anyone, in less detail). */
  identify(req: IncomingMessage): Promise<boolean>;
  /** 401/403 with a `WWW-Authenticate: Bearer …` challenge. */
  challenge(res: ServerResponse, status: 401 | 403, error: string | undefined, description: string, scopes?: string[]): void;
  /** Present when OAuth is on: the Protected Resource Metadata is served. */
  readonly oauth?: unknown;
  metadata(): Record<string, unknown>;
}
