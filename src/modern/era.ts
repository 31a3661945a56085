import type { IncomingMessage } from 'node:http';
import { envelopeIssue, hasClaim, isPlainObject, metaOf, mismatch, missingKeys, PROTOCOL_VERSION_KEY, type Refusal } from './envelope.js';

const FIRST_MODERN_VERSION = '2026-07-28';

function carriesEnvelopeClaim(message: unknown): boolean {
  return isPlainObject(message) && hasClaim(message.params);
}

/**
 * Whether a POST to /mcp may belong to the 2026-07-28 era: it names a modern revision in the
 * header or carries the `_meta` envelope claim. Everything else is 2025-era by the spec's rules,
 * and this synchronous check keeps the 2025 path free of any further look at the body.
 */
export function claimsModern(req: IncomingMessage, body: unknown): boolean {
  const header = req.headers['mcp-protocol-version'];
  if (typeof header === 'string' && header.trim() >= FIRST_MODERN_VERSION) return true;
  return Array.isArray(body) ? body.some(carriesEnvelopeClaim) : carriesEnvelopeClaim(body);
}

export interface ModernMessage {
  jsonrpc: '2.0';
  id?: string | number;
  method: string;
  params?: Record<string, unknown>;
}

/** Where a POST goes: the 2025 routes, the 2026 entry with its message, or a refusal at the edge. */
export type Route =
  | { kind: 'legacy' }
  | { kind: 'modern'; message: ModernMessage; isRequest: boolean; revision: string | undefined }
  | { kind: 'refuse'; refusal: Refusal; id: string | number | null };

const LEGACY: Route = { kind: 'legacy' };

const isId = (id: unknown): id is string | number => typeof id === 'string' || typeof id === 'number';
const validParams = (params: unknown) => params === undefined || isPlainObject(params);
const isRequest = (m: Record<string, unknown>) => m.jsonrpc === '2.0' && typeof m.method === 'string' && isId(m.id) && validParams(m.params);
const isNotification = (m: Record<string, unknown>) => m.jsonrpc === '2.0' && typeof m.method === 'string' && !('id' in m) && validParams(m.params);
const isResponse = (m: Record<string, unknown>) => m.jsonrpc === '2.0' && isId(m.id) && ('result' in m || 'error' in m) && !('method' in m);

/** The id an edge refusal may echo: a single request's, when it can be read. */
function echoableId(body: unknown): string | number | null {
  return isPlainObject(body) && typeof body.method === 'string' && isId(body.id) ? body.id : null;
}

const refuse = (refusal: Refusal, body: unknown): Route => ({ kind: 'refuse', refusal, id: echoableId(body) });
const invalidRequest = (message: string): Refusal => ({ status: 400, code: -32600, message });

function classifyBatch(body: unknown[]): Route {
  for (const element of body) {
    if (carriesEnvelopeClaim(element)) return refuse(invalidRequest('Bad Request: JSON-RPC batches may not contain requests for protocol revision 2026-07-28 or later'), body);
    if (!isPlainObject(element) || !(isRequest(element) || isNotification(element) || isResponse(element))) {
      return refuse(invalidRequest('Bad Request: JSON-RPC batch contains an invalid message'), body);
    }
  }
  return LEGACY;
}

/**
 * The era of a POST, by the body first and the `MCP-Protocol-Version` header as a cross-check, as
 * the revision's versioning page and the SDK v2 entry decide it; refusals are the modern path's
 * own edge answers (-32600 shape, -32020 mismatches, -32602 envelopes).
 */
export function classify(req: IncomingMessage, body: unknown): Route {
  if (Array.isArray(body)) return classifyBatch(body);
  if (!isPlainObject(body)) return refuse(invalidRequest('Bad Request: the request body is not a valid JSON-RPC message'), body);
  if (isResponse(body)) return LEGACY;
  const request = isRequest(body);
  if (!request && !isNotification(body)) return refuse(invalidRequest('Bad Request: the request body is not a valid JSON-RPC message'), body);
  const raw = req.headers['mcp-protocol-version'];
  const header = Array.isArray(raw) ? raw.join(', ') : raw;
  const headerIsModern = header !== undefined && header >= FIRST_MODERN_VERSION;
  const methodHeader = req.headers['mcp-method'] as string | undefined;
  const method = body.method as string;
  const message = body as unknown as ModernMessage;
  const meta = metaOf(body.params);
  const claimed = meta !== undefined && PROTOCOL_VERSION_KEY in meta;
  const version = claimed && typeof meta[PROTOCOL_VERSION_KEY] === 'string' ? (meta[PROTOCOL_VERSION_KEY] as string) : undefined;

  if (request) {
    if (method === 'initialize' && !(claimed && version !== undefined && version >= FIRST_MODERN_VERSION && !envelopeIssue(meta))) {
      if (headerIsModern) return refuse(mismatch(header, 'an initialize request (legacy handshake) was sent with a modern MCP-Protocol-Version header'), body);
      return LEGACY;
    }
    if (claimed) {
      const issue = envelopeIssue(meta);
      if (issue) {
        return refuse({ status: 400, code: -32602, message: `Invalid _meta envelope for protocol revision 2026-07-28: ${issue.key}: ${issue.problem}`, data: { envelope: issue } }, body);
      }
      if (header !== undefined && header !== version) {
        return refuse(mismatch(header, `the body envelope names protocol version ${version} but the MCP-Protocol-Version header names ${header}`), body);
      }
      if (methodHeader !== undefined && methodHeader !== method) {
        return refuse(mismatch(methodHeader, `the body names method ${method} but the Mcp-Method header names ${methodHeader}`), body);
      }
      return { kind: 'modern', message, isRequest: true, revision: version };
    }
    if (headerIsModern) {
      const missing = missingKeys(body.params);
      const text = `Invalid params: the MCP-Protocol-Version header names protocol revision ${header}, but the request is missing the required per-request envelope key(s): ${missing.join(', ')}`;
      return refuse({ status: 400, code: -32602, message: text, data: { envelope: { missing } } }, body);
    }
    return LEGACY;
  }

  // Notifications: the body's claim first, else a modern header decides.
  if (claimed) {
    if (version === undefined) {
      const issue = { key: PROTOCOL_VERSION_KEY, problem: 'expected a protocol version string' };
      return refuse({ status: 400, code: -32602, message: `Invalid _meta envelope for protocol revision 2026-07-28: ${issue.key}: ${issue.problem}`, data: { envelope: issue } }, body);
    }
    if (header !== undefined && header !== version) {
      return refuse(mismatch(header, `the notification envelope names protocol version ${version} but the MCP-Protocol-Version header names ${header}`), body);
    }
    if (version < FIRST_MODERN_VERSION) return { kind: 'modern', message, isRequest: false, revision: version };
  } else if (!headerIsModern) {
    return LEGACY;
  }
  if (methodHeader !== undefined && methodHeader !== method) {
    return refuse(mismatch(methodHeader, `the notification body names method ${method} but the Mcp-Method header names ${methodHeader}`), body);
  }
  return { kind: 'modern', message, isRequest: false, revision: version ?? header };
}

/** For a request that `claimsModern`, the final word: whether the 2026 entry answers it (a refusal included). */
export function isModernRequest(req: IncomingMessage, body: unknown): boolean {
  return classify(req, body).kind !== 'legacy';
}
