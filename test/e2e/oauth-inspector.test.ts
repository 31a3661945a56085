import { OAuth2Server } from 'oauth2-mock-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, serve, type ServeHandle } from '../helpers/cli.js';
import { runInspectorCli } from '../helpers/inspector.js';
import { freePort } from '../helpers/ports.js';
import { removeDir, tempDir } from '../helpers/temp.js';

let oauth: OAuth2Server;
let server: ServeHandle;
let home: string;
const requested = new Map<string, { scope?: string; resource?: string }>();

beforeAll(async () => {
  oauth = new OAuth2Server();
  await oauth.issuer.keys.generate('RS256');
  await oauth.start(0, '127.0.0.1');
  oauth.service.on('beforeAuthorizeRedirect', (redirect: { url: URL }, req: { url: string }) => {
    const query = new URL(req.url, 'http://x').searchParams;
    requested.set(redirect.url.searchParams.get('code')!, { scope: query.get('scope') ?? undefined, resource: query.get('resource') ?? undefined });
  });
  oauth.service.on('beforeTokenSigning', (token: { payload: Record<string, unknown> }, req: { body: { code?: string } }) => {
    const grant = req.body.code ? requested.get(req.body.code) : undefined;
    if (grant?.resource) token.payload.aud = grant.resource;
    if (grant?.scope) token.payload.scope = grant.scope;
  });
  server = await serve(`${ROOT}/examples/basic`, ['--auth-issuer', oauth.issuer.url!]);
  home = await tempDir();
});

afterAll(async () => {
  await server?.stop();
  await oauth?.stop();
  await removeDir(home);
});

/**
 * The official Inspector CLI logs in interactively: it prints the authorization URL and listens on
 * a loopback callback. The test plays the user's browser by following that URL.
 */
async function inspectorWithOAuth(url: string) {
  const callback = `http://127.0.0.1:${await freePort()}/oauth/callback`;
  let followed = false;
  return runInspectorCli([url, '--method', 'tools/list', '--client-id', 'mcp-sse-test-client', '--callback-url', callback], {
    env: { HOME: home, MCP_AUTO_OPEN_ENABLED: 'true', BROWSER: 'true', MCP_INSPECTOR_SECRET_STORE: 'memory' },
    onStderr: (stderr) => {
      const match = /Please navigate to: (\S+)/.exec(stderr);
      if (match && !followed) {
        followed = true;
        void fetch(match[1]!); // follows the redirect to the CLI's callback listener
      }
    },
  });
}

describe('MCP Inspector CLI', () => {
  it.each(['/mcp', '/sse'])('completes the OAuth flow against %s and lists the tools', async (path) => {
    const { code, stdout, stderr } = await inspectorWithOAuth(`${server.url}${path}`);
    expect(code, stderr).toBe(0);
    expect(stderr).toContain('Please navigate to:');
    expect(JSON.parse(stdout).tools.map((t: { name: string }) => t.name)).toContain('add');
    const last = [...requested.values()].at(-1)!;
    expect(last.resource).toBe(server.url);
  }, 240_000);
});
