import { OAuth2Server } from 'oauth2-mock-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, defineTool } from '../../dist/index.js';
import { connect } from '../helpers/clients.js';
import { serve, type ServeHandle } from '../helpers/cli.js';
import { removeDir, tempDir } from '../helpers/temp.js';

let oauth: OAuth2Server;
let issuer: string;
let dir: string;

beforeAll(async () => {
  oauth = new OAuth2Server();
  await oauth.issuer.keys.generate('ES256');
  await oauth.start(0, '127.0.0.1');
  issuer = oauth.issuer.url!;
  dir = await tempDir({
    'tools/whoami.ts': `
      import { defineTool } from 'mcp-sse';
      export default defineTool({ handler: (_args, ctx) => ({ subject: ctx.auth?.subject, clientId: ctx.auth?.clientId }) });`,
  });
});

afterAll(async () => {
  await oauth?.stop();
  await removeDir(dir);
});

const token = (claims: Record<string, unknown>) =>
  oauth.issuer.buildToken({ scopesOrTransform: (_h, payload) => void Object.assign(payload, claims) });

describe('auth options beside OAuth', () => {
  let server: ServeHandle;
  beforeAll(async () => {
    server = await serve(`${dir}/tools`, [
      '--auth-issuer', `${issuer}/`, // a trailing slash the tokens' iss does not have
      '--auth-token', 'static-secret',
      '--auth-audience', 'cognito-app-client,api://mcp-sse',
      '--base-path', '/team/tools',
    ]);
  });
  afterAll(() => server?.stop());

  it('serves the path-specific metadata under a base path', async () => {
    const origin = new URL(server.url).origin;
    const res = await fetch(`${origin}/.well-known/oauth-protected-resource/team/tools`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ resource: server.url, authorization_servers: [`${issuer}/`] });
    const challenge = (await fetch(server.sseUrl)).headers.get('www-authenticate');
    expect(challenge).toContain(`resource_metadata="${origin}/.well-known/oauth-protected-resource/team/tools"`);
  });

  it('keeps the static token working, on both transports', async () => {
    for (const transport of ['sse', 'http'] as const) {
      const c = await connect(server.url, transport, { headers: { Authorization: 'Bearer static-secret' } });
      const result = await c.client.callTool({ name: 'whoami' });
      expect(result.content).toEqual([{ type: 'text', text: '{"subject":"static-token","clientId":"static-token"}' }]);
      await c.close();
    }
  });

  it('accepts listed audiences, including a Cognito-style token with client_id and no aud', async () => {
    const entra = await token({ aud: 'api://mcp-sse', sub: 'alice' });
    const cognito = await token({ client_id: 'cognito-app-client', sub: 'bob' });
    for (const [jwt, subject] of [[entra, 'alice'], [cognito, 'bob']] as const) {
      const c = await connect(server.url, 'http', { headers: { Authorization: `Bearer ${jwt}` } });
      const result = await c.client.callTool({ name: 'whoami' });
      expect(JSON.parse((result.content as Array<{ text: string }>)[0]!.text).subject).toBe(subject);
      await c.close();
    }
    const stranger = await token({ client_id: 'someone-else', sub: 'eve' });
    const res = await fetch(server.sseUrl, { headers: { Authorization: `Bearer ${stranger}` } });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toContain('error="invalid_token"');
  });
});

describe('authenticate hook (library and config file)', () => {
  it('authenticates anything else, and its identity reaches ctx.auth', async () => {
    const server = await createServer({
      port: 0,
      logLevel: 'silent',
      definitions: [
        defineTool({ name: 'whoami', handler: (_args: unknown, ctx: { auth?: { subject?: string; scopes: string[] } }) => ({ subject: ctx.auth?.subject, scopes: ctx.auth?.scopes }) }),
      ],
      authenticate: (req) => (req.headers['x-api-key'] === 'k1' ? { subject: 'svc-1', scopes: ['tools.read'] } : null),
    });
    try {
      expect((await fetch(server.sseUrl)).status).toBe(401);
      const c = await connect(server.url, 'http', { headers: { 'x-api-key': 'k1' } });
      const result = await c.client.callTool({ name: 'whoami' });
      expect(result.content).toEqual([{ type: 'text', text: '{"subject":"svc-1","scopes":["tools.read"]}' }]);
      await c.close();
    } finally {
      await server.close();
    }
  });
});
