import { UriTemplate } from '@modelcontextprotocol/sdk/shared/uriTemplate.js';
import type { Context } from '../definitions/context.js';
import { ToolError } from '../definitions/define.js';
import type { LoadedDefinition } from '../definitions/definitions.js';
import type { CompiledSchema } from '../definitions/schema.js';
import { INVALID_PARAMS, RpcError } from '../protocol/rpc.js';
import type { Descriptor, Target } from './messages.js';

/** Runs `target` in the worker that loaded it; 'invalid' when its schema refused the arguments. */
export type Invoke = (target: Omit<Target, 'version'>, args: unknown[], ctx: Context, name: string) => Promise<{ invalid: string } | { value: unknown }>;

/** Validation happens in the worker, with the definition's own (zod) schema; here every value passes. */
function checkedThere(jsonSchema: Record<string, unknown>, fields: ReturnType<CompiledSchema['fields']> = []): CompiledSchema {
  return {
    jsonSchema: jsonSchema as CompiledSchema['jsonSchema'],
    validate: (value) => ({ ok: true, value: value as Record<string, unknown> }),
    fields: () => fields,
  };
}

/**
 * Definitions as the registry and the method table know them, whose functions call into the
 * worker holding the real ones. What they return there is already shaped (a full CallToolResult,
 * ReadResourceResult or GetPromptResult), which the shaping here passes through unchanged.
 */
export function remoteDefinitions(descriptors: Descriptor[], invoke: Invoke): LoadedDefinition[] {
  return descriptors.map((d): LoadedDefinition => {
    const run = async (target: Omit<Target, 'version'>, args: unknown[], ctx: Context) => {
      const outcome = await invoke(target, args, ctx, d.name);
      if ('invalid' in outcome) {
        if (d.kind === 'prompt') throw new RpcError(INVALID_PARAMS, `Invalid arguments for prompt ${d.name}: ${outcome.invalid}`);
        throw new ToolError(`Invalid arguments for tool ${d.name}: ${outcome.invalid}`);
      }
      return outcome.value;
    };
    const completers = (names: string[]) =>
      Object.fromEntries(
        names.map((completer) => [
          completer,
          (value: string, ctx: Context & { arguments?: unknown }) => run({ kind: d.kind, key: d.key, fn: 'complete', completer }, [value, { arguments: ctx.arguments ?? {} }], ctx),
        ]),
      );
    const common = { key: d.key, name: d.name, file: d.file };
    if (d.kind === 'tool') {
      return {
        ...common,
        kind: 'tool',
        entry: d.entry,
        input: checkedThere(d.inputSchema),
        paramHeaders: d.paramHeaders,
        timeoutMs: d.timeoutMs,
        scopes: d.scopes,
        // The view is plain data: the server's process bundles and serves it.
        ...(d.ui && { ui: d.ui }),
        ...(d.task && { task: d.task }),
        handler: (args, ctx) => run({ kind: 'tool', key: d.key, fn: 'handler' }, [args], ctx),
      };
    }
    if (d.kind === 'resource') {
      return {
        ...common,
        kind: 'resource',
        entry: d.entry,
        mimeType: d.mimeType,
        ...(d.uriTemplate !== undefined && { template: new UriTemplate(d.uriTemplate) }),
        read: (uri, vars, ctx) => run({ kind: 'resource', key: d.key, fn: 'read' }, [uri, vars], ctx),
        ...(d.hasList && { list: (ctx: Context) => run({ kind: 'resource', key: d.key, fn: 'list' }, [], ctx) }),
        complete: completers(d.completers),
      };
    }
    return {
      ...common,
      kind: 'prompt',
      entry: d.entry,
      args: checkedThere(d.argsSchema, d.fields),
      get: (args, ctx) => run({ kind: 'prompt', key: d.key, fn: 'get' }, [args], ctx),
      complete: completers(d.completers),
    };
  });
}
