import { describe, expect, it } from 'vitest';
import { LoadError, type FileLoad } from '../../src/definitions/file-load.js';
import { defineTool } from '../../src/definitions/define.js';
import { compileDefinition, findDefinitions } from '../../src/definitions/definitions.js';
import { Registry, type ListChanges } from '../../src/protocol/registry.js';

/** A good load of `file` serving the given tool definitions. */
function load(file: string, ...tools: Array<Parameters<typeof defineTool>[0]>): FileLoad {
  const found = findDefinitions(Object.fromEntries(tools.map((t, i) => [`t${i}`, defineTool(t)])));
  return { file, ok: true, definitions: found.map((f) => compileDefinition(f, file, file)), inputs: [file], codeHash: `${file}:${Math.random()}` };
}

function recording(registry: Registry): ListChanges[] {
  const changes: ListChanges[] = [];
  registry.on('change', (c) => changes.push(c));
  return changes;
}

describe('Registry.apply', () => {
  it('a code-only replacement changes no list and says so', () => {
    const registry = new Registry();
    registry.apply([load('/a.ts', { name: 'a', description: 'A', handler: () => 1 })]);
    const changes = recording(registry);
    const summary = registry.apply([load('/a.ts', { name: 'a', description: 'A', handler: () => 2 })]);
    expect(summary).toMatchObject({ added: [], changed: [], codeOnly: ['a'], removed: [] });
    expect(changes).toEqual([]);
  });

  it('a visible change and a removal in one apply: one change event', () => {
    const registry = new Registry();
    registry.apply([load('/a.ts', { name: 'a', description: 'A', handler: () => 1 }), load('/b.ts', { name: 'b', handler: () => 1 })]);
    const changes = recording(registry);
    const summary = registry.apply([load('/a.ts', { name: 'a', description: 'A2', handler: () => 1 })], ['/b.ts']);
    expect(summary).toMatchObject({ changed: ['a'], removed: ['b'] });
    expect(changes).toEqual([{ tools: true, resources: false, prompts: false }]);
  });

  it('a file blocked by a duplicate name gets in, in the same apply, once the holder lets go', () => {
    const registry = new Registry();
    registry.apply([load('/a.ts', { name: 'x', handler: () => 'a' })]);
    const blocked = registry.apply([load('/b.ts', { name: 'x', description: 'from b', handler: () => 'b' })]);
    expect(blocked.failed[0]?.error.message).toMatch(/already defined in \/a\.ts/);
    expect(registry.tools.get('x')?.file).toBe('/a.ts');

    const changes = recording(registry);
    const summary = registry.apply([], ['/a.ts']);
    expect(registry.tools.get('x')?.file).toBe('/b.ts');
    expect(summary.recovered).toEqual(['/b.ts']);
    expect(summary).toMatchObject({ changed: ['x'], removed: [], added: [] });
    expect(changes).toHaveLength(1);
    expect(registry.errors).toEqual([]);
  });

  it('a failing load keeps the last good version serving', () => {
    const registry = new Registry();
    registry.apply([load('/a.ts', { name: 'a', handler: () => 1 })]);
    const changes = recording(registry);
    const summary = registry.apply([{ file: '/a.ts', ok: false, error: new LoadError('boom'), inputs: ['/a.ts'] }]);
    expect(summary.failed).toMatchObject([{ file: '/a.ts', firstTime: true }]);
    expect(registry.tools.has('a')).toBe(true);
    expect(registry.errors).toMatchObject([{ file: '/a.ts', message: 'boom' }]);
    expect(changes).toEqual([]);
  });
});
