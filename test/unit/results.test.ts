import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { audio, image, resource, resourceLink, text, toBase64, dataToText, isContentArray } from '../../src/definitions/content.js';
import { compileDefinition, type LoadedPrompt, type LoadedResource, type LoadedTool } from '../../src/definitions/definitions.js';
import { defineTool, definePrompt, defineResource } from '../../src/definitions/define.js';
import { findDefinitions } from '../../src/definitions/definitions.js';
import { toCallToolResult, toGetPromptResult, toReadResourceResult } from '../../src/definitions/results.js';

function load<T>(value: unknown): T {
  const [found] = findDefinitions({ default: value });
  return compileDefinition(found!, '/x/t.ts', 't.ts') as T;
}

const plain = load<LoadedTool>(defineTool({ handler: () => 1 }));
const withOutput = load<LoadedTool>(defineTool({ output: { sum: z.number() }, handler: () => ({ sum: 1 }) }));

describe('content helpers', () => {
  it('encodes bytes as base64 and passes base64 text through', () => {
    expect(toBase64(new Uint8Array([1, 2, 3]))).toBe('AQID');
    expect(toBase64('AQID')).toBe('AQID');
    expect(image(new Uint8Array([255]), 'image/png')).toEqual({ type: 'image', data: '/w==', mimeType: 'image/png' });
    expect(audio('AA==', 'audio/wav')).toEqual({ type: 'audio', data: 'AA==', mimeType: 'audio/wav' });
  });
  it('builds embedded resources and links', () => {
    expect(resource({ uri: 'a://b', blob: new Uint8Array([0]) })).toEqual({ type: 'resource', resource: { uri: 'a://b', blob: 'AA==' } });
    expect(resource({ uri: 'a://b', text: 'hi' })).toEqual({ type: 'resource', resource: { uri: 'a://b', text: 'hi' } });
    expect(resourceLink({ uri: 'a://b', name: 'b' })).toEqual({ type: 'resource_link', uri: 'a://b', name: 'b' });
  });
  it('renders data as JSON text, bigints included', () => {
    expect(dataToText({ n: 10n })).toBe('{"n":"10"}');
    expect(dataToText('as is')).toBe('as is');
    expect(isContentArray([])).toBe(false);
  });
});

describe('toCallToolResult', () => {
  it('turns each return form into content', () => {
    expect(toCallToolResult('hi', plain)).toEqual({ content: [text('hi')] });
    expect(toCallToolResult(42, plain)).toEqual({ content: [text('42')] });
    expect(toCallToolResult(false, plain)).toEqual({ content: [text('false')] });
    expect(toCallToolResult(undefined, plain)).toEqual({ content: [] });
    expect(toCallToolResult({ a: 1 }, plain)).toEqual({ content: [text('{"a":1}')] });
    expect(toCallToolResult([1, 2], plain)).toEqual({ content: [text('[1,2]')] });
    expect(toCallToolResult(text('x'), plain)).toEqual({ content: [text('x')] });
    expect(toCallToolResult([text('x'), text('y')], plain)).toEqual({ content: [text('x'), text('y')] });
    const full = { content: [text('x')], isError: true };
    expect(toCallToolResult(full, plain)).toBe(full);
  });
  it('adds structuredContent when the tool declares output', () => {
    expect(toCallToolResult({ sum: 3 }, withOutput)).toEqual({ content: [text('{"sum":3}')], structuredContent: { sum: 3 } });
  });
  it('reports output that does not match the declared schema', () => {
    const bad = toCallToolResult({ sum: 'three' }, withOutput);
    expect(bad.isError).toBe(true);
    expect((bad.content[0] as { text: string }).text).toMatch(/does not match its `output` schema/);
    const missing = toCallToolResult('text', withOutput);
    expect(missing.isError).toBe(true);
    expect((missing.content[0] as { text: string }).text).toMatch(/declares `output` but returned a string/);
  });
});

describe('toReadResourceResult', () => {
  const md = load<LoadedResource>(defineResource({ uri: 'docs://a', name: 'a', mimeType: 'text/markdown', read: () => '' }));
  const bare = load<LoadedResource>(defineResource({ uri: 'docs://b', name: 'b', read: () => '' }));
  it('fills uri and mimeType for each form', () => {
    expect(toReadResourceResult('# hi', 'docs://a', md)).toEqual({ contents: [{ uri: 'docs://a', mimeType: 'text/markdown', text: '# hi' }] });
    expect(toReadResourceResult('hi', 'docs://b', bare).contents[0]!.mimeType).toBe('text/plain');
    expect(toReadResourceResult(new Uint8Array([1]), 'docs://b', bare)).toEqual({
      contents: [{ uri: 'docs://b', mimeType: 'application/octet-stream', blob: 'AQ==' }],
    });
    expect(toReadResourceResult({ a: 1 }, 'docs://b', bare)).toEqual({ contents: [{ uri: 'docs://b', mimeType: 'application/json', text: '{"a":1}' }] });
  });
  it('refuses nothing with a message naming the resource', () => {
    expect(() => toReadResourceResult(undefined, 'docs://b', bare)).toThrow(/resource b returned undefined/);
  });
});

describe('toGetPromptResult', () => {
  const prompt = load<LoadedPrompt>(definePrompt({ description: 'Review', args: { code: z.string() }, get: () => '' }));
  it('makes one user message from a string and keeps the description', () => {
    expect(toGetPromptResult('hello', prompt)).toEqual({ description: 'Review', messages: [{ role: 'user', content: text('hello') }] });
  });
  it('accepts messages with string content', () => {
    expect(toGetPromptResult([{ role: 'assistant', content: 'ok' }], prompt).messages).toEqual([{ role: 'assistant', content: text('ok') }]);
  });
  it('refuses other values clearly', () => {
    expect(() => toGetPromptResult(7, prompt)).toThrow(/return a string, an array of messages, or \{ messages \}/);
  });
});
