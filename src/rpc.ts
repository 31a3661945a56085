import type { MessageExtraInfo, RequestId } from '@modelcontextprotocol/sdk/types.js';
import type { RequestAbort } from './request-abort.js';
import type { Session } from './session.js';

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

export interface RequestInfo {
  id: RequestId;
  /** Aborted on cancel, timeout or disconnect; a method may abort it itself (a timeout). */
  controller: RequestAbort;
  extra?: MessageExtraInfo;
}

export type MethodHandler = (session: Session, params: Record<string, unknown>, request: RequestInfo) => Promise<unknown>;
export type MethodTable = Record<string, MethodHandler | undefined>;
