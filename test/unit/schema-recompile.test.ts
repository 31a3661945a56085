import { describe, expect, it } from 'vitest';
import { compileSchema } from '../../src/definitions/schema.js';

describe('compileSchema across reloads', () => {
  it('a JSON Schema keeping its $id but changing its rules validates by the new rules', () => {
    const first = compileSchema({ $id: 'urn:test:args', type: 'object', properties: { n: { type: 'number' } }, required: ['n'] });
    expect(first.validate({ n: 1 }).ok).toBe(true);
    expect(first.validate({ n: 'x' }).ok).toBe(false);
    const edited = compileSchema({ $id: 'urn:test:args', type: 'object', properties: { n: { type: 'string' } }, required: ['n'] });
    expect(edited.validate({ n: 'x' }).ok).toBe(true);
    expect(edited.validate({ n: 1 }).ok).toBe(false);
    // The earlier validator, still held by a running call, keeps its own rules.
    expect(first.validate({ n: 1 }).ok).toBe(true);
  });

  it('keeps compiling correct validators past an Ajv instance change', () => {
    for (let i = 0; i < 450; i++) {
      const schema = compileSchema({ type: 'object', properties: { [`k${i}`]: { type: 'integer' } }, required: [`k${i}`] });
      expect(schema.validate({ [`k${i}`]: i }).ok).toBe(true);
      expect(schema.validate({ [`k${i}`]: 'no' }).ok).toBe(false);
    }
  });
});
