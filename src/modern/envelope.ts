import type { IncomingMessage } from 'node:http';

/** The reserved `_meta` keys of the 2026-07-28 per-request envelope. */
export const PROTOCOL_VERSION_KEY = 'io.modelcontextprotocol/protocolVersion';
export const CLIENT_CAPABILITIES_KEY = 'io.modelcontextprotocol/clientCapabilities';
export const CLIENT_INFO_KEY = 'io.modelcontextprotocol/clientInfo';
export const LOG_LEVEL_KEY = 'io.modelcontextprotocol/logLevel';
export const SERVER_INFO_KEY = 'io.modelcontextprotocol/serverInfo';
export const SUBSCRIPTION_ID_KEY = 'io.modelcontextprotocol/subscriptionId';

const LEVELS = ['debug', 'info', 'notice', 'warning', 'error', 'critical', 'alert', 'emergency'];

export interface EnvelopeIssue {
  key: string;
  problem: string;
}

export const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

export function metaOf(params: unknown): Record<string, unknown> | undefined {
  if (!isPlainObject(params)) return undefined;
  const meta = params._meta;
  return isPlainObject(meta) ? meta : undefined;
}

/** The claim that makes a message 2026-era: the reserved protocol-version key in `params._meta`. */
export function hasClaim(params: unknown): boolean {
  const meta = metaOf(params);
  return meta !== undefined && PROTOCOL_VERSION_KEY in meta;
}

function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

const expected = (type: string, value: unknown) => `Invalid input: expected ${type}, received ${kindOf(value)}`;

/**
 * The first problem with a request's envelope, worded as clients already see it (the SDK v2
 * entry's words): a missing required key, or a present key of the wrong shape. Only what the
 * revision fixes is checked; `clientCapabilities` is the client's to fill.
 */
export function envelopeIssue(meta: Record<string, unknown>): EnvelopeIssue | undefined {
  if (!(PROTOCOL_VERSION_KEY in meta)) return { key: PROTOCOL_VERSION_KEY, problem: 'missing' };
  if (!(CLIENT_CAPABILITIES_KEY in meta)) return { key: CLIENT_CAPABILITIES_KEY, problem: 'missing' };
  const version = meta[PROTOCOL_VERSION_KEY];
  if (typeof version !== 'string') return { key: PROTOCOL_VERSION_KEY, problem: expected('string', version) };
  const capabilities = meta[CLIENT_CAPABILITIES_KEY];
  if (!isPlainObject(capabilities)) return { key: CLIENT_CAPABILITIES_KEY, problem: expected('object', capabilities) };
  if (CLIENT_INFO_KEY in meta) {
    const info = meta[CLIENT_INFO_KEY];
    if (!isPlainObject(info)) return { key: CLIENT_INFO_KEY, problem: expected('object', info) };
    for (const field of ['name', 'version']) {
      if (typeof info[field] !== 'string') return { key: `${CLIENT_INFO_KEY}.${field}`, problem: expected('string', info[field]) };
    }
  }
  if (LOG_LEVEL_KEY in meta && !LEVELS.includes(meta[LOG_LEVEL_KEY] as string)) {
    return { key: LOG_LEVEL_KEY, problem: `Invalid option: expected one of ${LEVELS.map((l) => `"${l}"`).join('|')}` };
  }
  return undefined;
}

/** The keys a request sent under a modern header lacks, when it carries no claim. */
export function missingKeys(params: unknown): string[] {
  const meta = metaOf(params);
  if (!meta) return ['_meta'];
  const missing = [PROTOCOL_VERSION_KEY, CLIENT_CAPABILITIES_KEY].filter((key) => !(key in meta));
  return missing.length > 0 ? missing : [PROTOCOL_VERSION_KEY];
}

/** A refusal at the edge: the HTTP status, and the JSON-RPC error it carries. */
export interface Refusal {
  status: number;
  code: number;
  message: string;
  data?: unknown;
}

/** The revision's HeaderMismatch: something in front of the server may already have acted on the header. */
export const HEADER_MISMATCH = -32020;

export function mismatch(header: string, body: string): Refusal {
  return { status: 400, code: HEADER_MISMATCH, message: `Bad Request: the request headers and body disagree: ${body}`, data: { mismatch: { header, body } } };
}

/** Which body field the `Mcp-Name` header mirrors, per method. */
const NAME_SOURCE: Record<string, string | undefined> = {
  'tools/call': 'name',
  'prompts/get': 'name',
  'resources/read': 'uri',
  'tasks/get': 'taskId',
  'tasks/update': 'taskId',
  'tasks/cancel': 'taskId',
};

const SENTINEL = /^=\?base64\?([A-Za-z0-9+/]*={0,2})\?=$/;
const utf8 = new TextDecoder('utf-8', { fatal: true });

function decodeName(value: string): string | undefined {
  const wrapped = SENTINEL.exec(value);
  if (!wrapped) return value.startsWith('=?base64?') ? undefined : value;
  const payload = wrapped[1]!;
  if (payload.length % 4 !== 0 || Buffer.from(payload, 'base64').toString('base64') !== payload) return undefined;
  try {
    return utf8.decode(Buffer.from(payload, 'base64'));
  } catch {
    return undefined;
  }
}

const headerOf = (req: IncomingMessage, name: string): string | undefined => {
  const value = req.headers[name];
  return Array.isArray(value) ? value.join(', ') : value;
};

/**
 * The standard headers every 2026 request must carry (`MCP-Protocol-Version`, `Mcp-Method`, and
 * `Mcp-Name` where the method has a name), checked once the revision is known to be served.
 */
export function standardHeaderRefusal(req: IncomingMessage, method: string, params: unknown, revision: string): Refusal | undefined {
  if (headerOf(req, 'mcp-protocol-version') === undefined) {
    return mismatch('(missing)', `the body envelope names protocol version ${revision} but the required MCP-Protocol-Version header is absent`);
  }
  if (headerOf(req, 'mcp-method') === undefined) return mismatch('(missing)', `the body names method ${method} but the required Mcp-Method header is absent`);
  const field = Object.hasOwn(NAME_SOURCE, method) ? NAME_SOURCE[method] : undefined;
  if (!field) return undefined;
  const raw = isPlainObject(params) ? params[field] : undefined;
  const bodyValue = typeof raw === 'string' ? raw : undefined;
  const header = headerOf(req, 'mcp-name');
  if (header === undefined) {
    return bodyValue === undefined ? undefined : mismatch('(missing)', `the body carries params.${field}="${bodyValue}" but the required Mcp-Name header is absent`);
  }
  const decoded = decodeName(header);
  if (decoded === undefined) return mismatch(header, 'the Mcp-Name header carries an invalid Base64 sentinel value');
  if (bodyValue !== undefined && decoded !== bodyValue) {
    return mismatch(header, `the body carries params.${field}="${bodyValue}" but the Mcp-Name header names "${decoded}"`);
  }
  return undefined;
}
