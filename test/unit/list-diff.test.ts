import { describe, expect, it } from 'vitest';
import { diffListings, kindsChanged, type Listing } from '../../src/protocol/list-diff.js';

const listing = (entries: Record<string, unknown>): Listing => new Map(Object.entries(entries).map(([k, v]) => [k, JSON.stringify(v)]));

describe('diffListings', () => {
  it('finds what was added, shown differently, and removed', () => {
    const before = listing({ 'tool:a': { name: 'a' }, 'tool:b': { name: 'b', description: 'old' }, 'prompt:p': { name: 'p' } });
    const after = listing({ 'tool:a': { name: 'a' }, 'tool:b': { name: 'b', description: 'new' }, 'resource:docs://x': { uri: 'docs://x' } });
    expect(diffListings(before, after)).toEqual({ added: ['resource:docs://x'], changed: ['tool:b'], removed: ['prompt:p'] });
  });

  it('is empty when nothing clients see changed', () => {
    const same = listing({ 'tool:a': { name: 'a', inputSchema: { type: 'object' } } });
    expect(diffListings(same, listing({ 'tool:a': { name: 'a', inputSchema: { type: 'object' } } }))).toEqual({ added: [], changed: [], removed: [] });
  });
});

describe('kindsChanged', () => {
  it('names only the kinds a diff touches', () => {
    expect(kindsChanged({ added: ['tool:a'], changed: [], removed: ['resource:docs://a:b'] })).toEqual({ tools: true, resources: true, prompts: false });
    expect(kindsChanged({ added: [], changed: ['prompt:p'], removed: [] })).toEqual({ tools: false, resources: false, prompts: true });
    expect(kindsChanged({ added: [], changed: [], removed: [] })).toEqual({ tools: false, resources: false, prompts: false });
  });
});
