import type {
  AudioContent,
  ContentBlock,
  EmbeddedResource,
  ImageContent,
  ResourceLink,
  TextContent,
} from '@modelcontextprotocol/sdk/types.js';

const CONTENT_TYPES = new Set(['text', 'image', 'audio', 'resource', 'resource_link']);

export function toBase64(data: string | Uint8Array): string {
  return typeof data === 'string' ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('base64');
}

export function text(value: string): TextContent {
  return { type: 'text', text: value };
}

export function image(data: string | Uint8Array, mimeType: string): ImageContent {
  return { type: 'image', data: toBase64(data), mimeType };
}

export function audio(data: string | Uint8Array, mimeType: string): AudioContent {
  return { type: 'audio', data: toBase64(data), mimeType };
}

export function resource(
  contents: { uri: string; mimeType?: string } & ({ text: string } | { blob: string | Uint8Array }),
): EmbeddedResource {
  if ('blob' in contents) {
    return { type: 'resource', resource: { ...contents, blob: toBase64(contents.blob) } };
  }
  return { type: 'resource', resource: contents };
}

export function resourceLink(link: {
  uri: string;
  name: string;
  title?: string;
  mimeType?: string;
  description?: string;
}): ResourceLink {
  return { type: 'resource_link', ...link };
}

export function isContentBlock(value: unknown): value is ContentBlock {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    CONTENT_TYPES.has((value as { type?: unknown }).type as string)
  );
}

export function isContentArray(value: unknown): value is ContentBlock[] {
  return Array.isArray(value) && value.length > 0 && value.every(isContentBlock);
}

/** Plain data as one text block: JSON for objects, as-is for strings. */
export function dataToText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value === undefined) return '';
  return JSON.stringify(value, (_key, v) => (typeof v === 'bigint' ? v.toString() : v));
}
