import type { IncomingMessage } from 'node:http';
import type { AuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js';
import { SUPPORTED_PROTOCOL_VERSIONS, type MessageExtraInfo, type RequestId } from '@modelcontextprotocol/sdk/types.js';

type Message = Record<string, unknown>;
const isRequest = (m: Message) => typeof m.method === 'string' && m.id !== undefined;

/** The requests among `messages` whose id is in flight already, or came earlier in the same batch. */
export function inFlightAgain(messages: Message[], inFlight: (id: RequestId) => boolean): Set<Message> {
  const refused = new Set<Message>();
  const seen = new Set<RequestId>();
  for (const m of messages) {
    if (!isRequest(m)) continue;
    const id = m.id as RequestId;
    if (inFlight(id) || seen.has(id)) refused.add(m);
    seen.add(id);
  }
  return refused;
}

/** The SDK's answer to a request naming a revision it does not serve, or undefined. */
export function unsupportedVersion(req: IncomingMessage): string | undefined {
  const version = req.headers['mcp-protocol-version'];
  if (version === undefined || SUPPORTED_PROTOCOL_VERSIONS.includes(String(version))) return undefined;
  return `Bad Request: Unsupported protocol version: ${String(version)} (supported versions: ${SUPPORTED_PROTOCOL_VERSIONS.join(', ')})`;
}

/** What the session learns of the HTTP request a message came in. */
export function extraFor(req: IncomingMessage): MessageExtraInfo {
  const auth = (req as IncomingMessage & { auth?: AuthInfo }).auth;
  return { requestInfo: { headers: req.headers }, ...(auth && { authInfo: auth }) };
}
