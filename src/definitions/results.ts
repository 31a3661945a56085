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

/** Turns whatever a handler returned into a CallToolResult, as SPEC "What a handler may return" lists. */
export function toCallToolResult(value: unknown, tool: LoadedTool): CallToolResult {
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
