import type { Prompt, Resource, ResourceTemplate, Tool } from '@modelcontextprotocol/sdk/types.js';
import { ToolError } from '../definitions/define.js';
import type { LoadedTool } from '../definitions/definitions.js';
import type { ParamHeader } from '../definitions/param-headers.js';

/**
 * What crosses between the server's process and a tool worker. Everything is JSON: definitions travel as descriptors (their functions stay in the worker), and `ctx` as the
 * plain facts of the request plus messages for what it does.
 */

/** A thrown value, as the other side can rebuild it. */
export interface Thrown {
  message: string;
  name?: string;
  stack?: string;
  /** A ToolError: a message meant for the model, not a failure worth logging. */
  toolError?: boolean;
}

interface Common {
  key: string;
  name: string;
  file: string;
}
export type Descriptor =
  | (Common & { kind: 'tool'; entry: Tool; inputSchema: Record<string, unknown>; paramHeaders: ParamHeader[]; timeoutMs: number; scopes: string[]; ui?: LoadedTool['ui']; task?: LoadedTool['task'] })
  | (Common & { kind: 'resource'; entry: Resource | ResourceTemplate; mimeType?: string; uriTemplate?: string; hasList: boolean; completers: string[] })
  | (Common & {
      kind: 'prompt';
      entry: Prompt;
      argsSchema: Record<string, unknown>;
      fields: Array<{ name: string; description?: string; required: boolean }>;
      completers: string[];
    });

/** Which function of which definition of which loaded version a call runs. */
export interface Target {
  version: number;
  kind: Descriptor['kind'];
  key: string;
  fn: 'handler' | 'read' | 'list' | 'get' | 'complete';
  /** For `complete`: the argument or template variable. */
  completer?: string;
}

/** The request as `ctx` shows it; what `ctx` does travels as `op` messages. */
export interface ContextFacts {
  sessionId: string;
  requestId: string | number;
  meta: Record<string, unknown>;
  client: unknown;
  auth?: unknown;
  /** Whether `ctx.closeStream()` can end this call's response (a primed Streamable HTTP stream). */
  closable: boolean;
}

export type ContextOp = 'progress' | 'log' | 'sample' | 'elicit' | 'roots' | 'notify' | 'closeStream';

export type ToWorker =
  | { t: 'load'; id: number; version: number; file: string; relative: string; root: string; code: string }
  | { t: 'drop'; version: number }
  /** `trace`: the request span's W3C `traceparent`/`tracestate`, when the server traces. */
  | { t: 'call'; id: number; target: Target; args: unknown[]; ctx: ContextFacts; trace?: Record<string, string> }
  | { t: 'abort'; id: number; kind: 'cancelled' | 'timeout' | 'disconnected'; message: string }
  | { t: 'opReply'; op: number; ok: boolean; value?: unknown; error?: Thrown }
  | { t: 'ping'; id: number };

export type FromWorker =
  /** It began to run this load's top-level code: its load timeout runs from now. */
  | { t: 'loading'; id: number }
  | { t: 'loaded'; id: number; ok: true; descriptors: Descriptor[] }
  | { t: 'loaded'; id: number; ok: false; error: Thrown & { location?: { file: string; line: number; column: number }; frame?: string } }
  | { t: 'done'; id: number; ok: true; value: unknown }
  | { t: 'done'; id: number; ok: false; error: Thrown }
  /** The arguments did not match the definition's schema (checked in the worker, with zod). */
  | { t: 'done'; id: number; ok: 'invalid'; message: string }
  /** What handlers asked of ctx in one turn, together: `Promise.all` of two asks stays one round. */
  | { t: 'ops'; ops: Array<{ op: number; call: number; name: ContextOp; args: unknown[] }> }
  /** The handler's `ctx` was collected: nothing can use the call's real one any more. */
  | { t: 'ctxGone'; call: number }
  | { t: 'resourceUpdated'; uri: string }
  | { t: 'stray'; what: string; text: string }
  | { t: 'pong'; id: number };

/**
 * What the module the server names for a tool worker's tracing (its first argument) makes:
 * isolation/ knows no OpenTelemetry, and a worker of an untraced server loads none.
 */
export interface WorkerTracing {
  /** Runs a call inside the trace context the server sent with it. */
  run<T>(carrier: Record<string, string> | undefined, fn: () => T): T;
  /** Sends the spans still buffered. */
  flush(): Promise<void>;
}

export function toThrown(error: unknown, isToolError: (error: unknown) => boolean): Thrown {
  if (error instanceof Error) {
    return { message: error.message, name: error.name, stack: error.stack, ...(isToolError(error) && { toolError: true }) };
  }
  let message: string;
  try {
    message = typeof error === 'symbol' ? error.toString() : String(error);
  } catch {
    message = Object.prototype.toString.call(error);
  }
  return { message };
}

/**
 * A thrown value rebuilt on this side: a ToolError stays one (a message for the model, not logged).
 * `mapped`: a worker's error in the server, whose stack already points at the tool's own lines
 * (workers run with source maps on).
 */
export function fromThrown(thrown: Thrown, mapped = false): Error {
  const error = thrown.toolError ? new ToolError(thrown.message) : new Error(thrown.message);
  if (thrown.name && !thrown.toolError) error.name = thrown.name;
  if (thrown.stack) error.stack = thrown.stack;
  if (mapped) Object.defineProperty(error, Symbol.for('mcp-sse.stack-mapped'), { value: true });
  return error;
}
