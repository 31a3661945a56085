import type { IncomingMessage, ServerResponse } from 'node:http';
import { InvalidTokenError } from '@modelcontextprotocol/sdk/server/auth/errors.js';
import type { AuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js';
import type { HttpAuthenticator } from '../http/authentication.js';
import { tokenMatcher } from '../http/request-guard.js';
import { ALL_SCOPES } from '../protocol/identity.js';
import type { JwtVerifier } from './jwt-verifier.js';

export interface OAuthOptions {
  issuer: string;
  /** Accepted audiences; default: the resource identifier. */
  audiences?: string[];
  jwksUrl?: string;
  /** Default RS256 and ES256; `none` is refused, HS* only when listed. */
  algorithms?: string[];
  /** `scopes_supported` in the metadata, and the scope a bare 401 asks for. */
  scopes?: string[];
  /** The resource identifier; default: the server's public URL. */
  resource?: string;
}

/** What a config-file `authenticate(req)` hook may return for an accepted request. */
export interface AuthHookResult {
  subject?: string;
  clientId?: string;
  scopes?: string[];
  claims?: Record<string, unknown>;
}

export type AuthenticateHook = (req: IncomingMessage) => AuthHookResult | null | undefined | Promise<AuthHookResult | null | undefined>;

export interface AuthenticatorOptions {
  token?: string;
  oauth?: OAuthOptions;
  authenticate?: AuthenticateHook;
  /** The server's URL (base path included), known only once it listens. */
  serverUrl(): string;
  /** Told what the hook threw; the client gets a generic 401. */
  onHookError?(error: unknown): void;
}


function quote(value: string): string {
  return `"${value.replace(/["\\]/g, '\\$&')}"`;
}


/**
 * Authentication for every MCP route: the static `--auth-token`, a config-file hook, and OAuth
 * 2.1 JWT access tokens, tried in that order. Answers 401 with an RFC 6750/9728 challenge that
 * tells clients where the Protected Resource Metadata is and which scope to ask for.
 */
export class Authenticator implements HttpAuthenticator {
  private readonly tokenMatches?: (presented: string) => boolean;
  private verifier?: Promise<JwtVerifier>;

  constructor(private readonly options: AuthenticatorOptions) {
    if (options.token) this.tokenMatches = tokenMatcher(options.token);
  }

  get oauth(): OAuthOptions | undefined {
    return this.options.oauth;
  }

  /** The resource identifier tokens must be issued for. */
  resource(): string {
    return (this.options.oauth?.resource ?? this.options.serverUrl()).replace(/\/+$/, '');
  }

  /** RFC 9728 path-specific location of the metadata for our resource identifier. */
  metadataUrl(): string {
    const resource = new URL(this.resource());
    const path = resource.pathname === '/' ? '' : resource.pathname;
    return `${resource.origin}/.well-known/oauth-protected-resource${path}`;
  }

  metadata(): Record<string, unknown> {
    const oauth = this.options.oauth!;
    return {
      resource: this.resource(),
      authorization_servers: [oauth.issuer],
      ...(oauth.scopes?.length && { scopes_supported: oauth.scopes }),
      bearer_methods_supported: ['header'],
      resource_name: 'mcp-sse',
    };
  }

  /** jose is loaded with the first token to verify: servers without OAuth never pay for it. */
  private getVerifier(): Promise<JwtVerifier> {
    const oauth = this.options.oauth!;
    this.verifier ??= import('./jwt-verifier.js').then(
      ({ JwtVerifier }) =>
        new JwtVerifier({
          issuer: oauth.issuer,
          audiences: oauth.audiences?.length ? oauth.audiences : [this.resource()],
          jwksUrl: oauth.jwksUrl,
          algorithms: oauth.algorithms?.length ? oauth.algorithms : ['RS256', 'ES256'],
        }),
    );
    return this.verifier;
  }

  /** Sets `req.auth` and returns true, or answers 401 and returns false. */
  async authenticate(req: IncomingMessage & { auth?: AuthInfo }, res: ServerResponse): Promise<boolean> {
    const refusal = await this.verify(req);
    if (refusal) this.challenge(res, 401, refusal.error, refusal.description);
    return !refusal;
  }

  /** Whether the request is authenticated (setting `req.auth`), answering nothing either way. */
  async identify(req: IncomingMessage & { auth?: AuthInfo }): Promise<boolean> {
    return !(await this.verify(req));
  }

  /** Nothing when the request is authenticated (`req.auth` set), else why not. */
  private async verify(req: IncomingMessage & { auth?: AuthInfo }): Promise<{ error?: string; description: string } | undefined> {
    const header = req.headers.authorization ?? '';
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    const token = match?.[1];
    if (token && this.tokenMatches?.(token)) {
      req.auth = { token, clientId: 'static-token', scopes: [ALL_SCOPES], extra: { subject: 'static-token', claims: {} } };
      return undefined;
    }
    if (this.options.authenticate) {
      try {
        const result = await this.options.authenticate(req);
        if (result) {
          req.auth = {
            token: token ?? '',
            clientId: result.clientId ?? result.subject ?? 'hook',
            scopes: result.scopes ?? [],
            extra: { subject: result.subject ?? result.clientId, claims: result.claims ?? {} },
          };
          return undefined;
        }
      } catch (error) {
        // What the hook threw may carry internals (a database error, a secret): the operator sees
        // it, the client only that it was refused.
        this.options.onHookError?.(error);
        return { error: 'invalid_token', description: 'Authentication failed' };
      }
    }
    if (!token) return { description: header ? 'Expected Authorization: Bearer <token>' : 'Missing Authorization header' };
    if (!this.options.oauth) return { error: 'invalid_token', description: 'The token is not valid for this server' };
    try {
      req.auth = await (await this.getVerifier()).verifyAccessToken(token);
      return undefined;
    } catch (error) {
      const message = error instanceof InvalidTokenError ? error.message : `Token verification failed: ${(error as Error).message}`;
      return { error: 'invalid_token', description: message };
    }
  }

  /** 401/403 with `WWW-Authenticate: Bearer …` naming the metadata and the scope needed. */
  challenge(res: ServerResponse, status: 401 | 403, error: string | undefined, description: string, scopes?: string[]): void {
    if (res.headersSent) return;
    const needed = scopes ?? this.options.oauth?.scopes ?? [];
    const parts = [
      error && `error=${quote(error)}`,
      `error_description=${quote(description)}`,
      needed.length > 0 && `scope=${quote(needed.join(' '))}`,
      this.options.oauth && `resource_metadata=${quote(this.metadataUrl())}`,
    ].filter(Boolean);
    res.writeHead(status, { 'Content-Type': 'application/json', 'WWW-Authenticate': `Bearer ${parts.join(', ')}` });
    res.end(JSON.stringify({ error: error ?? 'unauthorized', error_description: description }));
  }
}
