
/** A JSON-RPC error answer: thrown by a method, sent as `{ error: { code, message } }`. */
export class RpcError extends Error {
  constructor(
    readonly code: number,
    message: string,
    readonly data?: unknown,
  ) {
    super(message);
  }
}

export const INVALID_PARAMS = -32602;
export const RESOURCE_NOT_FOUND = -32002;

/**
 * The answer to a request whose id is already in flight on its session: ids must be unique until
 * answered, and a second one would take the first's answer.
 */
export function duplicateIdError(id: string | number) {
  const message = `Invalid Request: request id ${JSON.stringify(id)} is already in flight on this session; ids must be unique until answered`;
  return { jsonrpc: '2.0' as const, id, error: { code: -32600, message } };
}
