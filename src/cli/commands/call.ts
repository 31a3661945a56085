import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { CallToolResult, Tool } from '@modelcontextprotocol/sdk/types.js';
import { Command, Option } from 'commander';
import { parseInteger } from './serve-options.js';
import { allPages, closeClient, connectClient, describeFailure } from './client-connection.js';
import { callToolAsTask, TaskFailure, TaskInterrupted } from './call-task.js';
import { collectHeader, parseTransport, resolveEndpoint, type Endpoint } from './endpoint.js';

interface CallOptions {
  args?: string;
  json?: boolean;
  transport?: 'sse' | 'http';
  header?: Record<string, string>;
  timeout: number;
  task: boolean;
}

export function callCommand(): Command {
  return new Command('call')
    .description('call one tool on a running MCP server and print its result; exit 1 if the result is an error')
    .usage('[options] [url] <tool> [key=value...]')
    // `[url]` before `<tool>` cannot be declared to commander, so the words are sorted here.
    .argument('[words...]', '[url] <tool> [key=value...]: values are JSON when they parse, else strings')
    .option('--args <json>', 'arguments as a JSON object, for nested input (key=value pairs override it)')
    .option('--json', 'print the whole CallToolResult as JSON')
    .addOption(new Option('-t, --transport <transport>', 'sse or http (default: from the URL path, else sse)').argParser(parseTransport))
    .option('--header <header>', "extra request header 'Name: value' (repeatable)", collectHeader)
    .option('--timeout <ms>', 'give up on the call after this long (for a task: on each request; the task runs until it ends)', parseInteger('--timeout', 1), 60_000)
    .option('--no-task', "call a tool whose task support is 'optional' plainly, not as a task")
    .addHelpText(
      'after',
      `
The URL defaults to the server \`serve\` runs from this folder, else http://127.0.0.1:8000/sse.

Examples:
  $ mcp-sse call add a=2 b=3
  $ mcp-sse call http://127.0.0.1:8000/mcp greet name=Ada
  $ mcp-sse call search --args '{"filter":{"tags":["a","b"]}}' --json

A tool that runs as a task (its tools/list entry has execution.taskSupport) is called as one: its
status messages show on stderr while \`call\` polls, then the result prints as any other; Ctrl-C
cancels the task and exits 130.`,
    )
    .action(async function (this: Command, words: string[], opts: CallOptions) {
      const usage = (message: string): never => this.error(`error: ${message}`, { exitCode: 2 });
      const [first, ...rest] = words;
      const hasUrl = first !== undefined && /^https?:\/\//i.test(first);
      const url = hasUrl ? first : undefined;
      const [tool, ...pairs] = hasUrl ? rest : words;
      if (!tool) usage('missing <tool>: which tool to call, as in `mcp-sse call [url] <tool> [key=value...]` (`mcp-sse list` shows them)');
      let endpoint!: Endpoint;
      let base: Record<string, unknown> = {};
      try {
        endpoint = resolveEndpoint(url, opts.transport);
        if (opts.args !== undefined) base = parseArgsObject(opts.args);
        for (const pair of pairs) if (!/^[^=]+=/.test(pair)) throw new Error(`expected key=value, got ${JSON.stringify(pair)}`);
      } catch (error) {
        usage((error as Error).message);
      }
      const client = await connectClient(endpoint, opts.header);
      try {
        const definition = await findTool(client, tool!);
        const args = { ...base, ...parsePairs(pairs, definition) };
        const params = { name: tool!, arguments: args };
        const result = asTask(client, definition, opts.task)
          ? await callToolAsTask(client, params, { timeout: opts.timeout })
          : ((await client.callTool(params, undefined, { timeout: opts.timeout })) as CallToolResult);
        if (opts.json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
        else (result.isError ? process.stderr : process.stdout).write(`${formatResult(result)}\n`);
        process.exitCode = result.isError ? 1 : 0;
      } catch (error) {
        if (error instanceof TaskInterrupted) {
          process.stderr.write(`${error.message}\n`);
          process.exitCode = 130;
          return;
        }
        if (error instanceof UnknownTool || error instanceof TaskFailure) throw error;
        throw new Error(`${tool}: ${describeCallFailure(error)}`);
      } finally {
        await closeClient(client);
      }
    });
}

function parseArgsObject(text: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new Error(`--args is not valid JSON: ${(error as Error).message}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error('--args must be a JSON object');
  return value as Record<string, unknown>;
}

/**
 * A value is JSON when it parses (`n=3`, `flag=true`, `tags=["a"]`), else the string itself;
 * but an argument the tool declares as a string stays a string (`name=42` greets "42").
 */
function parsePairs(pairs: string[], tool: Tool): Record<string, unknown> {
  const properties = (tool.inputSchema.properties ?? {}) as Record<string, { type?: unknown }>;
  const args: Record<string, unknown> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    const key = pair.slice(0, eq);
    const raw = pair.slice(eq + 1);
    if (properties[key]?.type === 'string') {
      args[key] = raw;
      continue;
    }
    try {
      args[key] = JSON.parse(raw);
    } catch {
      args[key] = raw;
    }
  }
  return args;
}

async function findTool(client: Client, name: string): Promise<Tool> {
  const tools: Tool[] = await allPages((cursor) => client.listTools({ cursor }), 'tools');
  const tool = tools.find((t) => t.name === name);
  if (!tool) throw new UnknownTool(`unknown tool ${JSON.stringify(name)} (the server has: ${tools.map((t) => t.name).join(', ') || 'no tools'})`);
  return tool;
}

class UnknownTool extends Error {}

/**
 * A tool that must run as a task always does; an optional one does when the server runs
 * `tools/call` as tasks at all (its `tasks` capability) and `--no-task` was not given.
 */
function asTask(client: Client, tool: Tool, wanted: boolean): boolean {
  const support = tool.execution?.taskSupport;
  if (support === 'required') return true;
  return support === 'optional' && wanted && client.getServerCapabilities()?.tasks?.requests?.tools?.call !== undefined;
}

function describeCallFailure(error: unknown): string {
  const message = (error as Error)?.message ?? String(error);
  if (/^MCP error -32001/.test(message)) return message.replace(/^MCP error -32001: /, '');
  if (/^MCP error/.test(message)) return message;
  return describeFailure(error);
}

/** Content blocks as a person reads them; structured content alone is printed as JSON. */
function formatResult(result: CallToolResult): string {
  const lines = (result.content ?? []).map((block) => {
    switch (block.type) {
      case 'text':
        return block.text;
      case 'image':
      case 'audio':
        return `[${block.type} ${block.mimeType}, ${Math.floor((block.data.length * 3) / 4)} bytes]`;
      case 'resource':
        return 'text' in block.resource ? block.resource.text : `[resource ${block.resource.uri}, ${block.resource.mimeType ?? 'binary'}]`;
      case 'resource_link':
        return `[link ${block.uri}${block.name ? ` ${block.name}` : ''}]`;
      default:
        return JSON.stringify(block);
    }
  });
  if (lines.length === 0 && result.structuredContent) lines.push(JSON.stringify(result.structuredContent, null, 2));
  return lines.join('\n');
}
