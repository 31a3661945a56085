import { generateKeyPair, SignJWT } from 'jose';
import { OAuth2Server } from 'oauth2-mock-server';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { OAuthClientProvider } from '@modelcontextprotocol/sdk/client/auth.js';
import { UnauthorizedError } from '@modelcontextprotocol/sdk/client/auth.js';
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { OAuthClientInformationMixed, OAuthTokens } from '@modelcontextprotocol/sdk/shared/auth.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serve, type ServeHandle } from '../helpers/cli.js';
import { connectModern } from '../helpers/modern-client.js';
import { removeDir, tempDir } from '../helpers/temp.js';

const REDIRECT = 'http://127.0.0.1:9/callback';

/** A browser-less OAuth client: "visiting" the authorize URL is a fetch that stops at the redirect. */
class TestOAuthProvider implements OAuthClientProvider {
  authorizationUrl?: URL;
  private saved?: OAuthTokens;
  private verifier = '';
  readonly redirectUrl = REDIRECT;
  readonly clientMetadata = {
    redirect_uris: [REDIRECT],
    client_name: 'mcp-sse test',
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    token_endpoint_auth_method: 'none',
  };
  clientInformation(): OAuthClientInformationMixed {
    // The mock authorization server has no registration endpoint: a pre-registered client id.
    return { client_id: 'mcp-sse-test-client' };
  }
  tokens() {
    return this.saved;
  }
  saveTokens(tokens: OAuthTokens) {
    this.saved = tokens;
  }
  redirectToAuthorization(url: URL) {
    this.authorizationUrl = url;
  }
  saveCodeVerifier(verifier: string) {
    this.verifier = verifier;
  }
  codeVerifier() {
    return this.verifier;
  }
  /** Follows the pending authorization URL the way a user's browser would and returns the code. */
  async authorize(): Promise<string> {
    const res = await fetch(this.authorizationUrl!, { redirect: 'manual' });
    const location = new URL(res.headers.get('location')!);
    this.authorizationUrl = undefined;
    return location.searchParams.get('code')!;
  }
}

let oauth: OAuth2Server;
let issuer: string;
let dir: string;
let server: ServeHandle;
/** What each authorization request asked for, by code: the scope and the RFC 8707 resource. */
const requested = new Map<string, { scope?: string; resource?: string }>();

async function signWith(claims: Record<string, unknown>, options: { alg?: string; kid?: string; key?: Awaited<ReturnType<typeof generateKeyPair>>['privateKey'] } = {}) {
  const { privateKey } = options.key ? { privateKey: options.key } : await generateKeyPair('RS256');
  return new SignJWT(claims)
    .setProtectedHeader({ alg: options.alg ?? 'RS256', kid: options.kid ?? 'unknown-key' })
    .sign(privateKey);
}

beforeAll(async () => {
  oauth = new OAuth2Server();
  await oauth.issuer.keys.generate('RS256');
  await oauth.start(0, '127.0.0.1');
  issuer = oauth.issuer.url!;
  oauth.service.on('beforeAuthorizeRedirect', (redirect: { url: URL }, req: { url: string }) => {
    const query = new URL(req.url, issuer).searchParams;
    requested.set(redirect.url.searchParams.get('code')!, {
      scope: query.get('scope') ?? undefined,
      resource: query.get('resource') ?? undefined,
    });
  });
  // The mock ignores `resource` and `scope`: make it behave like a real authorization server and
  // put what the user authorized into the token. No refresh tokens: a public client steps up by
  // authorizing again (a refresh could not widen the grant anyway).
  type TokenReq = { body: { code?: string } };
  oauth.service.on('beforeTokenSigning', (token: { payload: Record<string, unknown> }, req: TokenReq) => {
    const grant = req.body.code ? requested.get(req.body.code) : undefined;
    if (grant?.resource) token.payload.aud = grant.resource;
    if (grant?.scope) token.payload.scope = grant.scope;
  });
  oauth.service.on('beforeResponse', (response: { body: Record<string, unknown> }, req: TokenReq) => {
    delete response.body.refresh_token;
    const grant = req.body.code ? requested.get(req.body.code) : undefined;
    if (grant?.scope) response.body.scope = grant.scope;
  });

  dir = await tempDir({
    'tools/whoami.ts': `
      import { defineTool } from 'mcp-sse';
      export default defineTool({ description: 'who is calling', handler: (_args, ctx) => ({ subject: ctx.auth?.subject, scopes: ctx.auth?.scopes }) });`,
    'tools/secret.ts': `
      import { defineTool } from 'mcp-sse';
      export default defineTool({ description: 'needs math.admin', scopes: ['math.admin'], handler: () => 'the secret' });`,
  });
  server = await serve(`${dir}/tools`, ['--auth-issuer', issuer, '--auth-scopes', 'tools.read']);
});

afterAll(async () => {
  await server?.stop();
  await oauth?.stop();
  await removeDir(dir);
});

async function connectWithOAuth(kind: 'sse' | 'http', provider = new TestOAuthProvider()) {
  const make = () =>
    kind === 'http'
      ? new StreamableHTTPClientTransport(new URL(server.mcpUrl), { authProvider: provider })
      : new SSEClientTransport(new URL(server.sseUrl), { authProvider: provider });
  const first = make();
  await expect(new Client({ name: 't', version: '1' }).connect(first)).rejects.toBeInstanceOf(UnauthorizedError);
  await first.finishAuth(await provider.authorize());
  const client = new Client({ name: 't', version: '1' });
  const transport = make();
  await client.connect(transport);
  return { client, transport, provider };
}

describe('OAuth 2.1 resource server', () => {
  it('answers 401 with a challenge that points at the protected resource metadata', async () => {
    const res = await fetch(server.mcpUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(res.status).toBe(401);
    const challenge = res.headers.get('www-authenticate')!;
    expect(challenge).toMatch(/^Bearer /);
    expect(challenge).toContain(`resource_metadata="${server.url}/.well-known/oauth-protected-resource"`);
    expect(challenge).toContain('scope="tools.read"');
    for (const path of ['/sse', '/messages?sessionId=x']) {
      const other = await fetch(`${server.url}${path}`, { method: path === '/sse' ? 'GET' : 'POST' });
      expect(other.status).toBe(401);
      expect(other.headers.get('www-authenticate')).toContain('resource_metadata=');
    }
    const metadata = await (await fetch(`${server.url}/.well-known/oauth-protected-resource`)).json();
    expect(metadata).toMatchObject({ resource: server.url, authorization_servers: [issuer], scopes_supported: ['tools.read'] });
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    expect((await fetch(`${server.url}/readyz`)).status).toBe(200);
  });

  it.each(['http', 'sse'] as const)('completes the SDK OAuth flow with PKCE and resource over %s', async (kind) => {
    const { client } = await connectWithOAuth(kind);
    const asked = [...requested.values()].at(-1)!;
    expect(asked.resource).toBe(server.url);
    const result = await client.callTool({ name: 'whoami' });
    expect(JSON.parse((result.content as Array<{ text: string }>)[0]!.text)).toEqual({ subject: 'johndoe', scopes: ['tools.read'] });
    await client.close();
  });

  it('refuses tokens with the wrong audience, issuer, expiry, algorithm or key', async () => {
    const good = { sub: 'mallory', aud: server.url, iss: issuer, exp: Math.floor(Date.now() / 1000) + 300 };
    const mockSigned = (transform: (payload: Record<string, unknown>) => void, expiresIn?: number) =>
      oauth.issuer.buildToken({
        expiresIn,
        scopesOrTransform: (_h, payload) => {
          Object.assign(payload, { aud: server.url, sub: 'x' });
          transform(payload);
        },
      });
    const cases: Record<string, string> = {
      'wrong audience': await mockSigned((p) => void (p.aud = 'https://someone-else.example')),
      'wrong issuer': await mockSigned((p) => void (p.iss = 'https://evil.example')),
      expired: await mockSigned(() => undefined, -60),
      'alg none': `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url')}.${Buffer.from(JSON.stringify(good)).toString('base64url')}.`,
      'unknown key': await signWith(good),
      'HS256 not allowed': await signWith(good, { alg: 'HS256', key: new TextEncoder().encode('x'.repeat(32)) as unknown as Awaited<ReturnType<typeof generateKeyPair>>['privateKey'] }),
    };
    for (const [label, token] of Object.entries(cases)) {
      const res = await fetch(server.mcpUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', authorization: `Bearer ${token}` },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'x', version: '1' } } }),
      });
      expect(res.status, label).toBe(401);
      expect(res.headers.get('www-authenticate'), label).toMatch(/error="invalid_token".*resource_metadata=/);
    }
  });

  it('refuses a scoped tool with 403 insufficient_scope, then the client steps up on /mcp', async () => {
    const { client, transport, provider } = await connectWithOAuth('http');
    const refused = await fetch(server.mcpUrl, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        authorization: `Bearer ${provider.tokens()!.access_token}`,
        'mcp-session-id': (transport as StreamableHTTPClientTransport).sessionId!,
        'mcp-protocol-version': '2025-11-25',
      },
      body: JSON.stringify({ jsonrpc: '2.0', id: 99, method: 'tools/call', params: { name: 'secret', arguments: {} } }),
    });
    expect(refused.status).toBe(403);
    expect(refused.headers.get('www-authenticate')).toMatch(/error="insufficient_scope".*scope="tools.read math.admin"/);
    const { tools } = await client.listTools();
    expect(tools.find((t) => t.name === 'secret')?._meta).toEqual({ 'mcp-sse/scopes': ['math.admin'] });

    // The SDK sees the 403, asks for the wider scope, and needs the user to authorize again.
    await expect(client.callTool({ name: 'secret' })).rejects.toBeInstanceOf(UnauthorizedError);
    expect(provider.authorizationUrl?.searchParams.get('scope')).toBe('tools.read math.admin');
    await transport.finishAuth(await provider.authorize());
    const result = await client.callTool({ name: 'secret' });
    expect(result.content).toEqual([{ type: 'text', text: 'the secret' }]);
    await client.close();
  });

  it('binds a session to the identity that opened it', async () => {
    const { client, transport } = await connectWithOAuth('http');
    const other = await oauth.issuer.buildToken({ scopesOrTransform: (_h, p) => Object.assign(p, { aud: server.url, sub: 'eve', scope: 'tools.read' }) });
    const res = await fetch(server.mcpUrl, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        authorization: `Bearer ${other}`,
        'mcp-session-id': (transport as StreamableHTTPClientTransport).sessionId!,
        'mcp-protocol-version': '2025-11-25',
      },
      body: JSON.stringify({ jsonrpc: '2.0', id: 7, method: 'tools/list' }),
    });
    expect(res.status).toBe(403);
    const noToken = await fetch(server.mcpUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-session-id': (transport as StreamableHTTPClientTransport).sessionId! },
      body: JSON.stringify({ jsonrpc: '2.0', id: 8, method: 'tools/list' }),
    });
    expect(noToken.status).toBe(401);
    await client.close();
  });

  it('verifies 2026-07-28 requests alike: 401 without a token, ctx.auth with one, 403 for a missing scope', async () => {
    await expect(connectModern(server.url, 'pin')).rejects.toThrow();
    const token = await oauth.issuer.buildToken({ scopesOrTransform: (_h, p) => Object.assign(p, { aud: server.url, sub: 'ada', scope: 'tools.read' }) });
    const modern = await connectModern(server.url, 'pin', { headers: { Authorization: `Bearer ${token}` } });
    try {
      const result = await modern.client.callTool({ name: 'whoami', arguments: {} });
      expect(JSON.parse((result.content as Array<{ text: string }>)[0]!.text)).toEqual({ subject: 'ada', scopes: ['tools.read'] });
      const refused = await fetch(server.mcpUrl, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
          authorization: `Bearer ${token}`,
          'mcp-protocol-version': '2026-07-28',
          'mcp-method': 'tools/call',
          'mcp-name': 'secret',
        },
        body: JSON.stringify({
          jsonrpc: '2.0',
          id: 1,
          method: 'tools/call',
          params: {
            name: 'secret',
            arguments: {},
            _meta: { 'io.modelcontextprotocol/protocolVersion': '2026-07-28', 'io.modelcontextprotocol/clientCapabilities': {} },
          },
        }),
      });
      expect(refused.status).toBe(403);
      expect(refused.headers.get('www-authenticate')).toMatch(/error="insufficient_scope".*scope="tools.read math.admin"/);
    } finally {
      await modern.close();
    }
  });
});
