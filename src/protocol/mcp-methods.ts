import {
  LATEST_PROTOCOL_VERSION,
  SUPPORTED_PROTOCOL_VERSIONS,
  type CallToolResult,
  type ClientCapabilities,
  type Implementation,
  type LoggingLevel,
  type Resource,
} from '@modelcontextprotocol/sdk/types.js';
import { createContext, LOG_LEVELS } from './context.js';
import { isToolError } from '../definitions/define.js';
import type { LoadedTool } from '../definitions/definitions.js';
import type { Registry } from './registry.js';
import { errorResult, toCallToolResult, toGetPromptResult, toReadResourceResult } from '../definitions/results.js';
import { INVALID_PARAMS, RESOURCE_NOT_FOUND, RpcError } from './rpc.js';
import type { MethodTable, RequestInfo } from './session.js';
import type { RequestAbort } from './request-abort.js';
import { AbortReason, type Session } from './session.js';
import { LEGACY_TASKS_CAPABILITY } from './tasks/task-methods.js';

export interface ServerInfo {
  name: string;
  version: string;
  instructions?: string;
}

export interface MethodDeps {
  registry: Registry;
  info: ServerInfo;
  notifyResourceUpdated(uri: string): void;
  /** A tool failed with something other than a ToolError: worth a line in the server's log. */
  onToolError(tool: string, error: unknown): void;
}

export const SERVER_CAPABILITIES = {
  tools: { listChanged: true },
  resources: { subscribe: true, listChanged: true },
  prompts: { listChanged: true },
  completions: {},
  logging: {},
  // MCP Apps (SEP-1865): tools may name a `ui://` view; hosts without Apps ignore it.
  extensions: { 'io.modelcontextprotocol/ui': {} },
};

const MAX_COMPLETIONS = 100;

function requireString(params: Record<string, unknown>, key: string): string {
  const value = params[key];
  if (typeof value !== 'string') throw new RpcError(INVALID_PARAMS, `Invalid params: "${key}" must be a string`);
  return value;
}

function metaOf(params: Record<string, unknown>): Record<string, unknown> | undefined {
  const meta = params._meta;
  return typeof meta === 'object' && meta !== null ? (meta as Record<string, unknown>) : undefined;
}

/**
 * Rejects when the request aborts, so a handler that never settles cannot hold a call forever.
 * The work it leaves running is still the session's (`track`): a dropped session's slot is free
 * only once that settles too.
 */
function untilAborted<T>(work: Promise<T>, abort: RequestAbort, session: Session): Promise<T> {
  // A late rejection from abandoned work must not become an unhandled rejection.
  work.catch(() => undefined);
  if (abort.aborted) {
    session.track(work);
    return Promise.reject(abort.reason);
  }
  return new Promise<T>((resolve, reject) => {
    const stop = abort.onAbort((reason) => {
      session.track(work);
      reject(reason);
    });
    work.then(
      (value) => (stop(), resolve(value)),
      (error) => (stop(), reject(error)),
    );
  });
}

/** The MCP methods, as pure functions of the shared registry and one session's state. */
export function createMethods(deps: MethodDeps): MethodTable {
  const { registry } = deps;
  const contextFor = (session: Session, request: RequestInfo, params: Record<string, unknown>, logger: string) =>
    createContext({
      session,
      requestId: request.id,
      abort: request.controller,
      meta: metaOf(params),
      logger,
      notifyResourceUpdated: deps.notifyResourceUpdated,
      trace: request.trace,
    });

  async function callTool(tool: LoadedTool, args: Record<string, unknown>, session: Session, request: RequestInfo, params: Record<string, unknown>) {
    const { controller } = request;
    const timer = setTimeout(
      () => controller.abort(new AbortReason('timeout', `Tool ${tool.name} timed out after ${tool.timeoutMs} ms`)),
      tool.timeoutMs,
    );
    const started = performance.now();
    try {
      const ctx = contextFor(session, request, params, tool.name);
      const value = await untilAborted(
        new Promise((resolve) => resolve(tool.handler(args, ctx))),
        controller,
        session,
      );
      // Settled past its timeout without the timer firing: the handler held the event loop (a
      // loop, sync I/O) the whole time, and every other session with it. Its late result is no
      // answer: the client was promised a timeout.
      const ms = performance.now() - started;
      if (ms > tool.timeoutMs && !controller.aborted) {
        deps.onToolError(tool.name, new Error(`blocked the event loop for ${Math.round(ms)} ms, past its ${tool.timeoutMs} ms timeout; every session waited (run tool code in workers, the default, to stop it for real)`));
        if (request.asTask) throw new RpcError(-32603, `Tool ${tool.name} timed out after ${tool.timeoutMs} ms`);
        return errorResult(`Tool ${tool.name} timed out after ${tool.timeoutMs} ms`);
      }
      return toCallToolResult(value, tool);
    } catch (error) {
      const reason = controller.reason as AbortReason | undefined;
      if (controller.aborted && reason?.kind === 'timeout') {
        if (request.asTask) throw new RpcError(-32603, reason.message);
        return errorResult(reason.message);
      }
      if (controller.aborted) throw reason;
      const message = error instanceof Error ? error.message : String(error);
      if (!isToolError(error)) {
        deps.onToolError(tool.name, error);
        if (request.asTask) throw new RpcError(-32603, `Tool ${tool.name} failed: ${message || 'no message'}`);
      }
      return errorResult(message || `Tool ${tool.name} failed`);
    } finally {
      clearTimeout(timer);
    }
  }

  const methods: MethodTable = {
    async initialize(session, params) {
      const requested = params.protocolVersion;
      const protocolVersion =
        typeof requested === 'string' && SUPPORTED_PROTOCOL_VERSIONS.includes(requested) ? requested : LATEST_PROTOCOL_VERSION;
      session.protocolVersion = protocolVersion;
      session.clientCapabilities = (params.capabilities ?? {}) as ClientCapabilities;
      session.clientInfo = params.clientInfo as Implementation | undefined;
      return {
        protocolVersion,
        capabilities: { ...SERVER_CAPABILITIES, tasks: LEGACY_TASKS_CAPABILITY },
        serverInfo: { name: deps.info.name, version: deps.info.version },
        ...(deps.info.instructions && { instructions: deps.info.instructions }),
      };
    },

    async ping() {
      return {};
    },

    async 'tools/list'() {
      return { tools: registry.listTools() };
    },

    async 'tools/call'(session, params, request): Promise<CallToolResult> {
      const name = requireString(params, 'name');
      const tool = registry.tools.get(name);
      if (!tool) throw new RpcError(INVALID_PARAMS, `Unknown tool: ${name}`);
      const args = params.arguments;
      if (args !== undefined && (typeof args !== 'object' || args === null || Array.isArray(args))) {
        return errorResult(`Invalid arguments for tool ${name}: "arguments" must be an object`);
      }
      const checked = tool.input.validate(args ?? {});
      if (!checked.ok) return errorResult(`Invalid arguments for tool ${name}: ${checked.message}`);
      return callTool(tool, checked.value, session, request, params);
    },

    async 'resources/list'(session, params, request) {
      const listed: Resource[] = [...registry.listResources()];
      for (const resource of registry.resources.values()) {
        if (!resource.list) continue;
        try {
          const items = (await resource.list(contextFor(session, request, params, resource.name))) as Resource[];
          for (const item of items ?? []) {
            listed.push({ ...(resource.mimeType && { mimeType: resource.mimeType }), ...item });
          }
        } catch (error) {
          deps.onToolError(`${resource.name} (list)`, error);
        }
      }
      return { resources: listed };
    },

    async 'resources/templates/list'() {
      return { resourceTemplates: registry.listResourceTemplates() };
    },

    async 'resources/read'(session, params, request) {
      const uri = requireString(params, 'uri');
      const found = registry.findResource(uri);
      if (!found) throw new RpcError(RESOURCE_NOT_FOUND, `Resource not found: ${uri}`, { uri });
      const value = await untilAborted(
        new Promise((resolve) => resolve(found.resource.read(uri, found.vars as Record<string, string>, contextFor(session, request, params, found.resource.name)))),
        request.controller,
        session,
      );
      return toReadResourceResult(value, uri, found.resource);
    },

    async 'resources/subscribe'(session, params) {
      const uri = requireString(params, 'uri');
      (session.subscriptions ??= new Set()).add(uri);
      return {};
    },

    async 'resources/unsubscribe'(session, params) {
      session.subscriptions?.delete(requireString(params, 'uri'));
      return {};
    },

    async 'prompts/list'() {
      return { prompts: registry.listPrompts() };
    },

    async 'prompts/get'(session, params, request) {
      const name = requireString(params, 'name');
      const prompt = registry.prompts.get(name);
      if (!prompt) throw new RpcError(INVALID_PARAMS, `Unknown prompt: ${name}`);
      const checked = prompt.args.validate(params.arguments ?? {});
      if (!checked.ok) throw new RpcError(INVALID_PARAMS, `Invalid arguments for prompt ${name}: ${checked.message}`);
      const value = await untilAborted(
        new Promise((resolve) => resolve(prompt.get(checked.value, contextFor(session, request, params, name)))),
        request.controller,
        session,
      );
      return toGetPromptResult(value, prompt);
    },

    async 'completion/complete'(session, params, request) {
      const ref = params.ref as { type?: string; name?: string; uri?: string } | undefined;
      const argument = params.argument as { name?: string; value?: string } | undefined;
      if (!ref || typeof argument?.name !== 'string') {
        throw new RpcError(INVALID_PARAMS, 'Invalid params: completion needs "ref" and "argument.name"');
      }
      let completers: Record<string, (value: string, ctx: unknown) => unknown> | undefined;
      let logger = '';
      if (ref.type === 'ref/prompt') {
        const prompt = registry.prompts.get(String(ref.name));
        if (!prompt) throw new RpcError(INVALID_PARAMS, `Unknown prompt: ${ref.name}`);
        completers = prompt.complete;
        logger = prompt.name;
      } else if (ref.type === 'ref/resource') {
        const resource = registry.resources.get(String(ref.uri));
        if (!resource) throw new RpcError(INVALID_PARAMS, `Unknown resource template: ${ref.uri}`);
        completers = resource.complete;
        logger = resource.name;
      } else {
        throw new RpcError(INVALID_PARAMS, `Invalid params: unknown ref type ${JSON.stringify(ref.type)}`);
      }
      const complete = Object.hasOwn(completers, argument.name) ? completers[argument.name] : undefined;
      if (!complete) return { completion: { values: [] } };
      const context = params.context as { arguments?: Record<string, string> } | undefined;
      const ctx = { ...contextFor(session, request, params, logger), arguments: context?.arguments ?? {} };
      const values = ((await complete(argument.value ?? '', ctx)) ?? []) as unknown[];
      const strings = values.map(String);
      return {
        completion: {
          values: strings.slice(0, MAX_COMPLETIONS),
          total: strings.length,
          hasMore: strings.length > MAX_COMPLETIONS,
        },
      };
    },

    async 'logging/setLevel'(session, params) {
      const level = requireString(params, 'level') as LoggingLevel;
      if (!LOG_LEVELS.includes(level)) throw new RpcError(INVALID_PARAMS, `Invalid params: unknown log level "${level}"`);
      session.logLevel = level;
      return {};
    },
  };
  return methods;
}
