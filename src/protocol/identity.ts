import type { AuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js';

/** Holds every scope: the static token is the operator's own key. */
export const ALL_SCOPES = '*';

/** Who a request or a session belongs to; a session is only ever continued by the identity that opened it. */
export function identityOf(auth: AuthInfo | undefined): string | undefined {
  if (!auth) return undefined;
  return String((auth.extra?.subject as string | undefined) ?? auth.clientId);
}
