import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { LoggingLevel } from '@modelcontextprotocol/sdk/types.js';
import { INVALID_PARAMS, RESOURCE_NOT_FOUND, RpcError } from '../protocol/rpc.js';
import { AbortReason, type MethodTable, type Session, type SessionHost } from '../protocol/session.js';
import { CLIENT_CAPABILITIES_KEY, CLIENT_INFO_KEY, isPlainObject, LOG_LEVEL_KEY, metaOf, PROTOCOL_VERSION_KEY } from './envelope.js';
import type { ModernMessage } from './era.js';
import type { Exchange } from './exchange.js';
import type { HeldCalls } from './held-calls.js';
import { ModernCall, type CallIdentity, type CallOutcome } from './modern-call.js';
import type { ResultStamp } from './results.js';
import { promoteAnswered, startCall, type TaskCallDeps } from './task-calls.js';
import { INPUT_CAPABLE } from './revision.js';
import { MISSING_CAPABILITY } from '../protocol/tasks/task-methods.js';


/** A JSON-RPC error answer, with the HTTP status the revision gives it. */
class Refused extends Error {
  constructor(
    readonly code: number,
    message: string,
    readonly data?: unknown,
    readonly status = 200,
  ) {
    super(message);
  }
}

export function identityFrom(req: IncomingMessage, params: Record<string, unknown> | undefined): CallIdentity {
  const envelope = metaOf(params) ?? {};
  const capabilities = envelope[CLIENT_CAPABILITIES_KEY];
  return {
    protocolVersion: envelope[PROTOCOL_VERSION_KEY] as string | undefined,
    clientCapabilities: isPlainObject(capabilities) ? capabilities : {},
    clientInfo: envelope[CLIENT_INFO_KEY] as CallIdentity['clientInfo'],
    logLevel: envelope[LOG_LEVEL_KEY] as LoggingLevel | undefined,
    auth: (req as IncomingMessage & { auth?: Session['auth'] }).auth,
  };
}

/**
 * The methods a 2026-07-28 request reaches, answered by the same table, registry and `ctx` as the
 * 2025 sessions, one `ModernCall` per request. A call that asks the client for input is held
 * under a fresh `requestState` token and resumed by the retry that names it.
 */
export function createMethodCalls(options: {
  methods: MethodTable;
  host: SessionHost;
  held: HeldCalls;
  results: ResultStamp;
} & TaskCallDeps) {
  const { methods, host, held, results } = options;
  let running = 0;

  async function outcomeOf(method: string, message: ModernMessage, exchange: Exchange): Promise<unknown> {
    const handler = methods[method]!;
    const params = message.params ?? {};
    const state = params.requestState;
    const responses = params.inputResponses;
    if (state !== undefined && typeof state !== 'string') throw new Refused(INVALID_PARAMS, 'Invalid params: "requestState" must be a string');
    if (responses !== undefined && !(isPlainObject(responses) && Object.values(responses).every(isPlainObject))) {
      throw new Refused(INVALID_PARAMS, 'Invalid params: "inputResponses" must be an object of input responses, each an object');
    }
    const identity = identityFrom(exchange.req, message.params);
    let call: ModernCall;
    let pending: Promise<CallOutcome>;
    if (typeof state === 'string') {
      const resumed = held.take(state, method, identity.auth);
      if (!resumed) throw new Refused(-32602, 'Invalid or expired requestState', { reason: 'invalid_request_state' });
      call = resumed;
      call.answer(responses as Record<string, unknown> | undefined);
      const created = await promoteAnswered(options, call, params);
      if (created) return created;
      pending = call.serve(exchange);
    } else {
      const started = await startCall(options, method, params, identity, host, handler, message.id!);
      if ('answer' in started) return started.answer;
      call = started.call;
      call.preanswer(responses as Record<string, unknown> | undefined);
      pending = call.start(exchange, handler, message.id!, params);
    }
    const outcome = await pending;
    if (outcome.kind === 'result') return outcome.value;
    if (!INPUT_CAPABLE.has(method)) {
      call.abandon();
      throw new Refused(-32603, `${method} cannot ask the client for input in protocol revision 2026-07-28 (only tools/call, prompts/get and resources/read can)`);
    }
    const missing = call.missingCapabilities(outcome.requests);
    if (missing) {
      call.abandon();
      const names = Object.keys(missing).map((k) => `"${k}"`).join(', ');
      throw new Refused(MISSING_CAPABILITY, `This ${method} needs the client capabilities ${names}, which the request's clientCapabilities do not declare`, { requiredCapabilities: missing }, 400);
    }
    if (held.isFull) {
      call.abandon();
      throw new Refused(-32603, 'Service Unavailable: too many calls are waiting for client input; try again later');
    }
    // A fresh token for every round: a state the client already used can never resume the call again.
    const token = randomUUID();
    held.hold(token, call, method);
    return { resultType: 'input_required', inputRequests: outcome.requests, requestState: token };
  }

  return {
    /** Calls being served right now (not those waiting for the client). */
    get running() {
      return running;
    },

    has: (method: string) => Object.hasOwn(methods, method) && methods[method] !== undefined,

    async answer(method: string, message: ModernMessage, exchange: Exchange): Promise<void> {
      running++;
      try {
        const value = await outcomeOf(method, message, exchange);
        exchange.reply({ jsonrpc: '2.0', id: message.id, result: results.stamp(method, value as Record<string, unknown>) });
      } catch (error) {
        // The client closed the exchange: the revision's cancellation, which gets no answer.
        if (error instanceof AbortReason && error.kind === 'cancelled') return;
        const refused =
          error instanceof Refused
            ? error
            : error instanceof RpcError
              ? // The revision folds resource-not-found into invalid params (SEP-2164); 2025 sessions keep -32002.
                new Refused(error.code === RESOURCE_NOT_FOUND ? INVALID_PARAMS : error.code, error.message, error.data, error.code === MISSING_CAPABILITY ? 400 : 200)
              : new Refused(-32603, (error as Error)?.message || 'Internal error');
        const body = { code: refused.code, message: refused.message, ...(refused.data !== undefined && { data: refused.data }) };
        exchange.reply({ jsonrpc: '2.0', id: message.id, error: body }, refused.status);
      } finally {
        running--;
      }
    },
  };
}
