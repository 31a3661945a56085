import cors from 'cors';
import express, { type NextFunction, type Request, type Response } from 'express';
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import type { AuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js';
import type { HttpAuthenticator } from './authentication.js';
import { identityOf } from '../protocol/identity.js';
import { missingToolScopes } from './tool-scopes.js';
import { announcedBase } from './forwarded.js';
import { sendRpcError } from './body.js';
import type { Registry } from '../protocol/registry.js';
import { createRequestGuard, type GuardOptions } from './request-guard.js';
import type { SessionHub } from '../protocol/session-hub.js';
import { createSseRoutes } from './sse-routes.js';
import type { ModernEndpoint } from '../modern/endpoint.js';
import type { SessionDirectory } from '../protocol/session-directory.js';
import type { Session } from '../protocol/session.js';
import { createStreamableRoutes } from './streamable-routes.js';
import { createHealthRoutes } from './health.js';

export interface HttpAppOptions extends GuardOptions {
  hub: SessionHub;
  registry: Registry;
  basePath: string;
  /** Honour X-Forwarded-Proto/Host/Prefix in the URLs we announce. */
  trustProxy: boolean;
  cors: boolean;
  keepaliveMs: number;
  maxBodyBytes: number;
  bodyTimeoutMs: number;
  maxBufferedBytes: number;
  writeTimeoutMs: number;
  resumeWindowMs: number;
  info: { name: string; version: string };
  isReady(): boolean;
  /** What is wrong beyond load errors (the served folder gone), for /healthz. */
  problems?(): string[];
  onError(error: unknown, where: string): void;
  onSlowConsumer(sessionId: string): void;
  /** OAuth, config-hook and static-token authentication; when absent the guard checks the static token. */
  authenticator?: HttpAuthenticator;
  /** Scale-out: where other instances' sessions are. */
  directory?: SessionDirectory;
  /** The 2026-07-28 protocol era on /mcp. */
  modern?: ModernEndpoint;
  /** `GET /metrics` (Prometheus text), behind the same guard and authentication as the MCP routes. */
  metrics?: (req: IncomingMessage, res: ServerResponse) => Promise<void>;
}

const MCP_HEADERS = ['Content-Type', 'Authorization', 'Mcp-Session-Id', 'Mcp-Protocol-Version', 'Last-Event-ID', 'Mcp-Method', 'Mcp-Name'];
const EXPOSED_HEADERS = ['Mcp-Session-Id', 'Mcp-Protocol-Version', 'Mcp-Method', 'Mcp-Name', 'WWW-Authenticate'];

/** Routes on one port: both transports, health and readiness, under an optional base path. */
export function createHttpApp(options: HttpAppOptions): RequestListener {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);

  const { authenticator } = options;
  const guard = createRequestGuard({ ...options, authToken: authenticator ? undefined : options.authToken });
  /** Host, Origin and the static token, then OAuth or the hook: false once the request is answered. */
  const admitted = async (req: IncomingMessage, res: ServerResponse): Promise<boolean> =>
    guard(req, res) && (!authenticator || (await authenticator.authenticate(req, res)));
  const guarded = (req: Request, res: Response, next: NextFunction) => {
    admitted(req, res).then((ok) => ok && next(), next);
  };
  // A session belongs to whoever opened it: a session id alone never authenticates, and a token for
  // someone else cannot ride on it. Scoped tools are refused before their handler runs.
  const admit = authenticator
    ? (req: IncomingMessage, res: ServerResponse, body: unknown, session: Session | undefined): boolean => {
        const auth = (req as IncomingMessage & { auth?: AuthInfo }).auth;
        if (session?.auth && identityOf(session.auth) !== identityOf(auth)) {
          authenticator.challenge(res, 403, 'invalid_token', 'This session was opened by another identity; start a new session');
          return false;
        }
        const missing = body === undefined ? [] : missingToolScopes(body, options.registry, auth);
        if (missing.length > 0) {
          const needed = [...new Set([...(auth?.scopes ?? []), ...missing])];
          authenticator.challenge(res, 403, 'insufficient_scope', `This tool needs the scope(s): ${missing.join(' ')}`, needed);
          return false;
        }
        return true;
      }
    : undefined;
  const sse = createSseRoutes({
    hub: options.hub,
    messagesPath: (req) => `${announcedBase(req, options)}/messages`,
    keepaliveMs: options.keepaliveMs,
    maxBodyBytes: options.maxBodyBytes,
    bodyTimeoutMs: options.bodyTimeoutMs,
    maxBufferedBytes: options.maxBufferedBytes,
    writeTimeoutMs: options.writeTimeoutMs,
    onSlowConsumer: options.onSlowConsumer,
    admit,
    directory: options.directory,
  });
  const streamable = createStreamableRoutes({
    hub: options.hub,
    keepaliveMs: options.keepaliveMs,
    maxBodyBytes: options.maxBodyBytes,
    bodyTimeoutMs: options.bodyTimeoutMs,
    maxBufferedBytes: options.maxBufferedBytes,
    writeTimeoutMs: options.writeTimeoutMs,
    resumeWindowMs: options.resumeWindowMs,
    onSlowConsumer: options.onSlowConsumer,
    admit,
    directory: options.directory,
    modern: options.modern,
  });

  if (authenticator?.oauth) {
    // RFC 9728 metadata lives at the origin's root whatever the base path, in its plain and
    // path-specific forms; browser clients fetch it cross-origin, so it allows any origin.
    app.options(['/.well-known/oauth-protected-resource', '/.well-known/oauth-protected-resource/*rest'], cors());
    app.get(['/.well-known/oauth-protected-resource', '/.well-known/oauth-protected-resource/*rest'], cors(), (_req, res) => {
      res.json(authenticator.metadata());
    });
  }

  const router = express.Router();
  if (options.cors) {
    const allowed = new Set(options.allowedOrigins.map((o) => o.toLowerCase()));
    router.use(
      cors({
        // Reflect only origins the Origin check lets through; everything else gets no CORS headers.
        origin: (origin, done) => done(null, !origin || allowed.has(origin.toLowerCase()) || /^https?:\/\/(localhost|127\.0\.0\.1|\[::1\])(:\d+)?$/i.test(origin)),
        allowedHeaders: MCP_HEADERS,
        exposedHeaders: EXPOSED_HEADERS,
        methods: ['GET', 'POST', 'DELETE', 'OPTIONS'],
        maxAge: 600,
      }),
    );
  }

  // Health answers to anyone who passes the Host and Origin checks (a DNS-rebinding page does
  // not); how much it says depends on whether they authenticate (see health.ts).
  const health = createHealthRoutes({ ...options, authToken: options.authToken });
  const hostChecked = createRequestGuard({ ...options, authToken: undefined });
  const open = (route: (req: IncomingMessage, res: ServerResponse) => Promise<void>) => (req: Request, res: Response, next: NextFunction) => {
    if (hostChecked(req, res)) route(req, res).catch(next);
  };
  router.get('/healthz', open(health.health));
  router.get('/readyz', open(health.ready));

  const { metrics } = options;
  if (metrics) router.get('/metrics', guarded, (req, res, next) => void metrics(req, res).catch(next));

  router.get('/sse', guarded, sse.openStream);
  router.post('/messages', guarded, sse.postMessage);
  router.post('/mcp', guarded, streamable.post);
  router.get('/mcp', guarded, streamable.stream);
  router.delete('/mcp', guarded, streamable.remove);
  router.all(['/sse', '/messages', '/mcp'], guarded, (req, res) => {
    res.setHeader('Allow', req.path === '/sse' ? 'GET' : req.path === '/messages' ? 'POST' : 'GET, POST, DELETE');
    sendRpcError(res, 405, -32000, `Method Not Allowed: ${req.method} ${req.path}`);
  });

  app.use(options.basePath || '/', router);
  app.use((req, res) => {
    const base = announcedBase(req, options);
    res.status(404).json({ error: `Not found: ${req.method} ${req.path}. MCP endpoints are ${base}/sse and ${base}/mcp` });
  });
  app.use((error: unknown, req: Request, res: Response, _next: NextFunction) => failed(error, req, res));

  function failed(error: unknown, req: IncomingMessage, res: ServerResponse) {
    const status = (error as { status?: number }).status;
    if (status && status >= 400 && status < 500) {
      sendRpcError(res, status, -32000, (error as Error).message);
      return;
    }
    options.onError(error, `${req.method} ${req.url?.split('?')[0]}`);
    if (!res.headersSent) sendRpcError(res, 500, -32603, 'Internal error');
    else res.destroy();
  }

  // The MCP routes skip express: its routing and request decoration cost more per message than
  // the whole JSON-RPC dispatch. Same guard, same handlers; CORS (rare) keeps the express path.
  // Any other method or spelling of these paths falls through to express and its 404/405 answers.
  const fastRoutes = options.cors
    ? undefined
    : new Map<string, (req: IncomingMessage, res: ServerResponse) => Promise<void>>([
        [`GET ${options.basePath}/sse`, sse.openStream],
        [`POST ${options.basePath}/messages`, sse.postMessage],
        [`POST ${options.basePath}/mcp`, streamable.post],
        [`GET ${options.basePath}/mcp`, streamable.stream],
        [`DELETE ${options.basePath}/mcp`, streamable.remove],
      ]);
  const runGuarded = async (route: (req: IncomingMessage, res: ServerResponse) => Promise<void>, req: IncomingMessage, res: ServerResponse) => {
    if (await admitted(req, res)) await route(req, res);
  };
  return (req, res) => {
    const url = req.url ?? '/';
    const query = url.indexOf('?');
    const route = fastRoutes?.get(`${req.method} ${query < 0 ? url : url.slice(0, query)}`);
    if (!route) return void app(req, res);
    runGuarded(route, req, res).catch((error) => failed(error, req, res));
  };
}
