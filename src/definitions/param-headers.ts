/**
 * `Mcp-Param-*` headers (protocol revision 2026-07-28, "custom headers from tool parameters"): a
 * tool marks input properties with `x-mcp-header: "Name"`, clients copy those arguments into
 * `Mcp-Param-Name` headers so that gateways can route on them without reading bodies, and the
 * server must refuse a call whose headers and body disagree, since something in front of it may
 * already have acted on the header.
 */

export interface ParamHeader {
  /** The property's path from the arguments object, through `properties` keys only. */
  path: string[];
  /** The header is `Mcp-Param-${name}`. */
  name: string;
  type: 'string' | 'integer' | 'boolean';
}

const KEY = 'x-mcp-header';
// RFC 9110 §5.1 `token`: what may follow `Mcp-Param-` in a header name.
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const TYPES = new Set(['string', 'integer', 'boolean']);
/** Schema keywords whose subschemas are not reached by a chain of `properties`: a declaration under one is invalid. */
const UNREACHABLE = [
  'items',
  'prefixItems',
  'contains',
  'additionalProperties',
  'unevaluatedProperties',
  'unevaluatedItems',
  'propertyNames',
  'patternProperties',
  'dependentSchemas',
  'allOf',
  'anyOf',
  'oneOf',
  'not',
  'if',
  'then',
  'else',
  '$defs',
  'definitions',
];
const MAPS = new Set(['patternProperties', 'dependentSchemas', '$defs', 'definitions']);

/**
 * The `x-mcp-header` declarations of a tool's input schema. Throws, with the property's path,
 * for a declaration the revision forbids: clients drop such a tool from their lists without a
 * word to its author, so it is better refused when the file loads.
 */
export function paramHeadersOf(inputSchema: Record<string, unknown>): ParamHeader[] {
  const found: ParamHeader[] = [];
  const seen = new Map<string, string>();
  const visit = (node: unknown, path: string[], reachable: boolean) => {
    if (node === null || typeof node !== 'object' || Array.isArray(node)) return;
    const schema = node as Record<string, unknown>;
    if (KEY in schema) {
      const where = path.length ? path.join('.') : 'the input schema itself';
      const name = schema[KEY];
      if (!reachable || path.length === 0) {
        throw new Error(`${where}: ${KEY} is allowed only on a property reached through "properties" (not under items, anyOf/oneOf/allOf, additionalProperties, $defs, ...)`);
      }
      if (typeof name !== 'string' || !TOKEN.test(name)) {
        throw new Error(`${where}: ${KEY} must be a header-name token (letters, digits, !#$%&'*+-.^_\`|~), got ${JSON.stringify(name)}`);
      }
      const type = schema.type;
      if (typeof type !== 'string' || !TYPES.has(type)) {
        throw new Error(`${where}: ${KEY} is allowed only on string, integer or boolean properties, not ${JSON.stringify(type ?? 'untyped')} (for zod: z.string(), z.number().int(), z.boolean())`);
      }
      const other = seen.get(name.toLowerCase());
      if (other !== undefined) throw new Error(`${where}: ${KEY} "${name}" is already used by ${other} (names compare case-insensitively)`);
      seen.set(name.toLowerCase(), path.join('.'));
      found.push({ path, name, type: type as ParamHeader['type'] });
    }
    const properties = schema.properties;
    if (properties && typeof properties === 'object') {
      for (const [key, child] of Object.entries(properties)) visit(child, [...path, key], reachable);
    }
    for (const keyword of UNREACHABLE) {
      const sub = schema[keyword];
      if (sub === undefined) continue;
      const branches = Array.isArray(sub) ? sub : MAPS.has(keyword) && sub && typeof sub === 'object' ? Object.values(sub) : [sub];
      for (const branch of branches) visit(branch, [...path, `<${keyword}>`], false);
    }
  };
  visit(inputSchema, [], true);
  return found;
}

export interface ParamHeaderMismatch {
  header: string;
  message: string;
}

const SENTINEL_START = '=?base64?';
const SENTINEL_END = '?=';
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const DECIMAL = /^-?\d+(?:\.\d+)?$/;
const utf8 = new TextDecoder('utf-8', { fatal: true });

/** A header value as sent: `=?base64?…?=` wraps a value that is not plain ASCII; undefined for a broken wrapper. */
function decode(value: string): string | undefined {
  if (!(value.startsWith(SENTINEL_START) && value.endsWith(SENTINEL_END) && value.length >= SENTINEL_START.length + SENTINEL_END.length)) return value;
  const payload = value.slice(SENTINEL_START.length, -SENTINEL_END.length);
  if (!BASE64.test(payload)) return undefined;
  try {
    return utf8.decode(Buffer.from(payload, 'base64'));
  } catch {
    return undefined;
  }
}

function valueAt(args: unknown, path: string[]): unknown {
  let node = args;
  for (const key of path) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return node;
}

function agrees(decoded: string, body: unknown, type: ParamHeader['type']): boolean {
  if (typeof body === 'number') return type === 'integer' && DECIMAL.test(decoded) ? Number(decoded) === body : decoded === String(body);
  if (typeof body === 'boolean') return decoded === String(body);
  return decoded === body;
}

/**
 * The first declaration whose header disagrees with the call's arguments. An argument that is
 * absent or null needs no header (one sent anyway is ignored); an argument that is not a
 * primitive is left to input validation, which refuses it.
 */
export function checkParamHeaders(
  declared: ParamHeader[],
  args: unknown,
  header: (lowercaseName: string) => string | undefined,
): ParamHeaderMismatch | undefined {
  for (const { path, name, type } of declared) {
    const body = valueAt(args, path);
    if (body === undefined || body === null || typeof body === 'object') continue;
    const headerName = `Mcp-Param-${name}`;
    const sent = header(headerName.toLowerCase());
    if (sent === undefined) {
      return { header: headerName, message: `the arguments carry ${path.join('.')}=${JSON.stringify(body)} but the ${headerName} header is missing` };
    }
    const decoded = decode(sent.trim());
    if (decoded === undefined) return { header: headerName, message: `the ${headerName} header is not valid =?base64?…?= (canonical Base64 of UTF-8)` };
    if (!agrees(decoded, body, type)) {
      return { header: headerName, message: `the ${headerName} header says ${JSON.stringify(decoded)} but the arguments carry ${path.join('.')}=${JSON.stringify(body)}` };
    }
  }
  return undefined;
}
