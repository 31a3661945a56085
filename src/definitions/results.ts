import type {
  CallToolResult,
  ContentBlock,
  GetPromptResult,
  PromptMessage,
  ReadResourceResult,
} from '@modelcontextprotocol/sdk/types.js';
import { dataToText, isContentArray, isContentBlock, text, toBase64 } from './content.js';
import type { LoadedPrompt, LoadedResource, LoadedTool } from './definitions.js';

export function errorResult(message: string): CallToolResult {
  return { content: [text(message)], isError: true };
}

function isCallToolResult(value: object): value is CallToolResult {
  const content = (value as { content?: unknown }).content;
  return Array.isArray(content) && content.every(isContentBlock);
}

/**
 * Where `value` holds something JSON cannot carry (a BigInt, a circular reference), as a path
 * like `structuredContent.a.b`; undefined when it serialises. A walk, not a trial stringify: a
 * large text result costs one visit instead of a second copy of its JSON.
 */
export function unserialisable(value: unknown, path = ''): { path: string; why: string } | undefined {
  const within = new Set<object>();
  const walk = (v: unknown, at: string): { path: string; why: string } | undefined => {
    if (typeof v === 'bigint') return { path: at, why: 'a BigInt' };
    if (v === null || typeof v !== 'object') return undefined;
    if (within.has(v)) return { path: at, why: 'a circular reference' };
    if (typeof (v as { toJSON?: unknown }).toJSON === 'function') return undefined; // Dates, Buffers: they say how
    within.add(v);
    try {
      if (Array.isArray(v)) {
        for (let i = 0; i < v.length; i++) {
          const bad = walk(v[i], `${at}[${i}]`);
          if (bad) return bad;
        }
        return undefined;
      }
      for (const key of Object.keys(v)) {
        const bad = walk((v as Record<string, unknown>)[key], at ? `${at}.${key}` : key);
        if (bad) return bad;
      }
      return undefined;
    } finally {
      within.delete(v);
    }
  };
  return walk(value, path);
}

/** Turns whatever a handler returned into a CallToolResult, as SPEC "What a handler may return" lists. */
export function toCallToolResult(value: unknown, tool: LoadedTool): CallToolResult {
  // Found here, not when the answer is written: there it would fail with no answer at all.
  const bad = unserialisable(value);
  if (bad) {
    const where = bad.path ? ` at ${bad.path}` : '';
    const shaped = typeof value === 'object' && value !== null && !isCallToolResult(value) && !isContentBlock(value) && !isContentArray(value) && tool.output;
    return errorResult(`Tool ${tool.name} returned a result that cannot be sent as JSON: ${bad.why}${where && (shaped ? ` at structuredContent.${bad.path}` : where)}`);
  }
  const result = normalise(value, tool);
  // A tool with an output schema MUST return matching structured content (clients check it), so a
  // mismatch is reported here, where the tool's author can see which tool and why.
  if (!tool.output || result.isError) return result;
  if (result.structuredContent === undefined) {
    const got = value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value === 'object' ? 'content without structuredContent' : `a ${typeof value}`;
    return errorResult(`Tool ${tool.name} declares \`output\` but returned ${got}; return a plain object matching it`);
  }
  const check = tool.output.validate(result.structuredContent);
  if (!check.ok) return errorResult(`Tool ${tool.name} returned output that does not match its \`output\` schema: ${check.message}`);
  return result;
}

function normalise(value: unknown, tool: LoadedTool): CallToolResult {
  if (value === undefined || value === null) return { content: [] };
  if (typeof value === 'string') return { content: [text(value)] };
  if (typeof value !== 'object') return { content: [text(String(value))] };
  if (isContentBlock(value)) return { content: [value] };
  if (isContentArray(value)) return { content: value };
  if (isCallToolResult(value)) return value;
  const result: CallToolResult = { content: [text(dataToText(value))] };
  if (tool.output && !Array.isArray(value)) result.structuredContent = value as Record<string, unknown>;
  return result;
}

type ResourceContent = ReadResourceResult['contents'][number];

export function toReadResourceResult(value: unknown, uri: string, resource: LoadedResource): ReadResourceResult {
  const fill = (item: Partial<ResourceContent>): ResourceContent =>
    ({
      ...item,
      uri: item.uri ?? uri,
      mimeType: item.mimeType ?? resource.mimeType ?? ('blob' in item ? 'application/octet-stream' : 'text/plain'),
    }) as ResourceContent;
  if (value === undefined || value === null) {
    throw new Error(`resource ${resource.name} returned ${value} for ${uri}; return a string, a Uint8Array, an object, or { contents }`);
  }
  if (typeof value === 'string') return { contents: [fill({ text: value })] };
  if (value instanceof Uint8Array) return { contents: [fill({ blob: toBase64(value) })] };
  if (typeof value === 'object' && value !== null && Array.isArray((value as ReadResourceResult).contents)) {
    const result = value as ReadResourceResult;
    return { ...result, contents: result.contents.map(fill) };
  }
  return { contents: [fill({ text: dataToText(value), mimeType: resource.mimeType ?? 'application/json' })] };
}

function toMessage(message: { role: 'user' | 'assistant'; content: unknown }): PromptMessage {
  const content = typeof message.content === 'string' ? text(message.content) : (message.content as ContentBlock);
  return { role: message.role, content } as PromptMessage;
}

export function toGetPromptResult(value: unknown, prompt: LoadedPrompt): GetPromptResult {
  const description = prompt.entry.description;
  const withDescription = (result: GetPromptResult): GetPromptResult =>
    description !== undefined && result.description === undefined ? { description, ...result } : result;
  if (typeof value === 'string') return withDescription({ messages: [{ role: 'user', content: text(value) }] });
  if (Array.isArray(value)) return withDescription({ messages: value.map(toMessage) });
  if (typeof value === 'object' && value !== null && Array.isArray((value as GetPromptResult).messages)) {
    const result = value as GetPromptResult;
    return withDescription({ ...result, messages: result.messages.map(toMessage) });
  }
  throw new Error(`prompt ${prompt.name} returned ${typeof value}; return a string, an array of messages, or { messages }`);
}
