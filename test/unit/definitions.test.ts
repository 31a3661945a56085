import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineTool, definePrompt, defineResource } from '../../src/definitions/define.js';
import { compileDefinition, findDefinitions, type LoadedPrompt, type LoadedTool } from '../../src/definitions/definitions.js';

function compile(value: unknown, exportName = 'default') {
  const [found] = findDefinitions({ [exportName]: value });
  return compileDefinition(found!, '/x/math/add.ts', 'math/add.ts');
}

describe('findDefinitions', () => {
  it('finds default, named and array exports once each, and ignores other values', () => {
    const a = defineTool({ handler: () => 1 });
    const b = definePrompt({ get: () => 'x' });
    const found = findDefinitions({ default: a, again: a, list: [b, 3], other: { handler: () => 1 }, __esModule: true });
    expect(found.map((f) => [f.kind, f.exportName])).toEqual([
      ['tool', 'default'],
      ['prompt', 'list[0]'],
    ]);
  });
});

describe('compileDefinition', () => {
  it('derives the name and computes the JSON Schema once', () => {
    const tool = compile(defineTool({ description: 'Add', input: { a: z.number(), b: z.number().optional() }, handler: () => 1 })) as LoadedTool;
    expect(tool.name).toBe('math_add');
    expect(tool.entry.inputSchema).toMatchObject({ type: 'object', properties: { a: { type: 'number' } }, required: ['a'] });
    expect(tool.timeoutMs).toBe(60_000);
  });
  it('advertises an empty object schema for a tool without input', () => {
    const tool = compile(defineTool({ handler: () => 1 })) as LoadedTool;
    expect(tool.entry.inputSchema).toEqual({ type: 'object', properties: {} });
  });
  it('validates arguments with a zod input and with a JSON Schema input', () => {
    const zod = compile(defineTool({ input: { a: z.number() }, handler: () => 1 })) as LoadedTool;
    expect(zod.input.validate({ a: 1 })).toEqual({ ok: true, value: { a: 1 } });
    expect(zod.input.validate({ a: 'x' }).ok).toBe(false);
    const json = compile(
      defineTool({ input: { type: 'object', properties: { n: { type: 'integer' } }, required: ['n'] }, handler: () => 1 }),
    ) as LoadedTool;
    expect(json.entry.inputSchema).toEqual({ type: 'object', properties: { n: { type: 'integer' } }, required: ['n'] });
    expect(json.input.validate({ n: 2 }).ok).toBe(true);
    expect(json.input.validate({ n: 2.5 }).ok).toBe(false);
  });
  it('names an unknown key, and a missing handler, in the error', () => {
    expect(() => compile(defineTool({ handler: () => 1, colour: 'red' } as never))).toThrow(/colour/);
    expect(() => compile(defineTool({} as never))).toThrow(/handler: is required/);
  });
  it('refuses an invalid tool name', () => {
    expect(() => compile(defineTool({ name: 'has space', handler: () => 1 }))).toThrow(/not a valid tool name|name/);
  });
  it('puts required scopes in _meta so clients can see them', () => {
    const tool = compile(defineTool({ scopes: ['math'], handler: () => 1 })) as LoadedTool;
    expect(tool.entry._meta).toEqual({ 'mcp-sse/scopes': ['math'] });
  });
  it('turns prompt args into arguments and checks completers against them', () => {
    const prompt = compile(definePrompt({ args: { code: z.string().describe('the code'), lang: z.string().optional() }, get: () => '' })) as LoadedPrompt;
    expect(prompt.entry.arguments).toEqual([
      { name: 'code', description: 'the code', required: true },
      { name: 'lang', required: false },
    ]);
    expect(() => compile(definePrompt({ args: { code: z.string() }, complete: { nope: () => [] }, get: () => '' } as never))).toThrow(/"nope" is not one of the prompt's args/);
  });
  it('checks template completers against the template variables', () => {
    expect(() =>
      compile(defineResource({ uriTemplate: 'u://{id}', name: 'u', read: () => '', complete: { other: () => [] } } as never)),
    ).toThrow(/"other" is not a variable of u:\/\/\{id\}/);
  });
});
