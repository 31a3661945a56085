import { createRemoteJWKSet, errors as joseErrors, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import { InvalidTokenError } from '@modelcontextprotocol/sdk/server/auth/errors.js';
import type { OAuthTokenVerifier } from '@modelcontextprotocol/sdk/server/auth/provider.js';
import type { AuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js';

export interface JwtVerifierOptions {
  issuer: string;
  /** Accepted `aud` values; one must match. */
  audiences: string[];
  /** JWKS URL; default: `jwks_uri` from the issuer's authorization-server or OpenID metadata. */
  jwksUrl?: string;
  algorithms: string[];
}

const WELL_KNOWN = ['oauth-authorization-server', 'openid-configuration'];

/**
 * Where an issuer publishes its metadata. RFC 8414 inserts the well-known segment before the
 * issuer's path; OpenID Connect appends it. Entra and Keycloak issuers have paths, so both matter.
 */
export function metadataUrls(issuer: string): string[] {
  const url = new URL(issuer);
  const path = url.pathname.replace(/\/$/, '');
  const urls: string[] = [];
  for (const name of WELL_KNOWN) {
    urls.push(new URL(`/.well-known/${name}${path}`, url.origin).href);
    if (path) urls.push(`${url.origin}${path}/.well-known/${name}`);
  }
  return [...new Set(urls)];
}

async function discoverJwksUrl(issuer: string): Promise<string> {
  const tried: string[] = [];
  for (const url of metadataUrls(issuer)) {
    tried.push(url);
    try {
      const res = await fetch(url, { headers: { accept: 'application/json' }, signal: AbortSignal.timeout(5_000) });
      if (!res.ok) continue;
      const metadata = (await res.json()) as { jwks_uri?: string };
      if (metadata.jwks_uri) return metadata.jwks_uri;
    } catch {
      // try the next well-known location
    }
  }
  throw new Error(`no jwks_uri found for issuer ${issuer} (tried ${tried.join(', ')}); pass --auth-jwks`);
}

/** Scopes from `scope` (RFC 8693, space-separated) or `scp` (Entra, Okta: string or array). */
export function scopesOf(payload: JWTPayload): string[] {
  const raw = payload.scope ?? payload.scp;
  if (Array.isArray(raw)) return raw.map(String);
  if (typeof raw === 'string') return raw.split(/\s+/).filter(Boolean);
  return [];
}

/**
 * Verifies access tokens that are JWTs: signature against the issuer's keys, `iss`, `aud`, `exp`,
 * and the algorithm from an allow-list (never `none`). The JWKS is fetched lazily and cached by jose.
 */
export class JwtVerifier implements OAuthTokenVerifier {
  private keys?: Promise<JWTVerifyGetKey>;

  constructor(private readonly options: JwtVerifierOptions) {
    if (options.algorithms.some((alg) => alg.toLowerCase() === 'none')) throw new Error('--auth-algs may not include "none"');
  }

  private getKeys(): Promise<JWTVerifyGetKey> {
    this.keys ??= (async () => createRemoteJWKSet(new URL(this.options.jwksUrl ?? (await discoverJwksUrl(this.options.issuer)))))();
    // A failed discovery is retried on the next request rather than cached forever.
    this.keys.catch(() => (this.keys = undefined));
    return this.keys;
  }

  async verifyAccessToken(token: string): Promise<AuthInfo> {
    const keys = await this.getKeys();
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, keys, {
        // "https://x/" and "https://x" name the same issuer; IdPs and configs disagree on the slash.
        issuer: withAndWithoutSlash([this.options.issuer]),
        algorithms: this.options.algorithms,
        requiredClaims: ['exp'],
      }));
    } catch (error) {
      throw new InvalidTokenError(describeJoseError(error));
    }
    if (!this.audienceMatches(payload)) {
      throw new InvalidTokenError(`The token was not issued for this server (audience must be one of: ${this.options.audiences.join(', ')})`);
    }
    return {
      token,
      clientId: String(payload.azp ?? payload.client_id ?? payload.sub ?? 'unknown'),
      scopes: scopesOf(payload),
      expiresAt: payload.exp,
      extra: { subject: payload.sub, claims: payload },
    };
  }

  /**
   * `aud` must name us. Cognito access tokens carry no `aud`, only `client_id`: those are accepted
   * when `--auth-audience` lists that client id, never by default.
   */
  private audienceMatches(payload: JWTPayload): boolean {
    const accepted = new Set(withAndWithoutSlash(this.options.audiences));
    const aud = payload.aud === undefined ? [] : Array.isArray(payload.aud) ? payload.aud : [payload.aud];
    if (aud.length > 0) return aud.some((a) => accepted.has(a));
    return typeof payload.client_id === 'string' && accepted.has(payload.client_id);
  }
}

function withAndWithoutSlash(values: string[]): string[] {
  return [...new Set(values.flatMap((v) => [v.replace(/\/+$/, ''), `${v.replace(/\/+$/, '')}/`]))];
}

function describeJoseError(error: unknown): string {
  if (error instanceof joseErrors.JWTExpired) return 'The token has expired';
  if (error instanceof joseErrors.JWTClaimValidationFailed) return `The token's "${error.claim}" claim is not accepted (${error.reason})`;
  if (error instanceof joseErrors.JOSEAlgNotAllowed) return 'The token is signed with an algorithm this server does not accept';
  if (error instanceof joseErrors.JWKSNoMatchingKey) return 'The token is signed by a key the issuer does not publish';
  if (error instanceof joseErrors.JWSSignatureVerificationFailed) return 'The token signature is invalid';
  if (error instanceof joseErrors.JWTInvalid || error instanceof joseErrors.JWSInvalid) return 'The token is not a valid JWT';
  return `The token could not be verified: ${(error as Error)?.message ?? error}`;
}
