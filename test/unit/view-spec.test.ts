import { describe, expect, it } from 'vitest';
import { defineTool } from '../../src/definitions/define.js';
import { compileDefinition, DefinitionError, findDefinitions, type LoadedResource, type LoadedTool } from '../../src/definitions/definitions.js';
import type { FileLoad } from '../../src/definitions/file-load.js';
import { Registry } from '../../src/protocol/registry.js';

function compile(def: Parameters<typeof defineTool>[0]) {
  const [found] = findDefinitions({ default: defineTool(def) });
  return compileDefinition(found!, '/p/tools/weather.ts', 'weather.ts') as LoadedTool;
}

describe('a tool with `ui`', () => {
  it('carries its view as plain data and names it in _meta.ui (and the flat legacy key), next to its own _meta', () => {
    const tool = compile({ ui: { file: './views/w.html', prefersBorder: false, csp: { connectDomains: ['https://a.example'] } }, _meta: { ui: { extra: 1 }, x: 2 }, handler: () => 1 });
    expect(tool.ui).toEqual({ file: '/p/tools/views/w.html', given: './views/w.html', uri: 'ui://weather/w.html', meta: { prefersBorder: false, csp: { connectDomains: ['https://a.example'] } } });
    expect(tool.entry._meta).toEqual({ x: 2, ui: { extra: 1, resourceUri: 'ui://weather/w.html' }, 'ui/resourceUri': 'ui://weather/w.html' });
    // Plain data: what a tool worker can hand back to the server's thread.
    expect(structuredClone(tool.ui)).toEqual(tool.ui);
  });

  it('an app-only tool needs no view', () => {
    const tool = compile({ ui: { visibility: ['app'] }, handler: () => 1 });
    expect(tool.ui).toBeUndefined();
    expect(tool.entry._meta).toEqual({ ui: { visibility: ['app'] } });
  });

  it.each([
    [{ prefersBorder: true }, 'ui: csp, permissions, domain and prefersBorder describe a view: give `file` too'],
    [{}, "ui: needs `file` (the view's HTML) or `visibility`"],
    [{ file: 'a.html', visibility: ['everyone'] }, 'ui.visibility.0: Invalid option: expected one of "model"|"app"'],
    [{ file: 'a.html', csp: { connectDomains: ["https://a; script-src 'unsafe-eval'"] } }, 'ui.csp.connectDomains.0: must be origins without spaces, quotes, commas or semicolons'],
    [{ file: 'a.html', sandbox: true }, 'ui: unknown key "sandbox"'],
  ])('rejects %j', (ui, message) => {
    expect(() => compile({ ui: ui as never, handler: () => 1 })).toThrow(DefinitionError);
    expect(() => compile({ ui: ui as never, handler: () => 1 })).toThrow(message);
  });
});

describe('Registry: a resource whose content hash changed', () => {
  const view = (hash: string): FileLoad => ({
    file: '/t.ts',
    ok: true,
    codeHash: hash,
    inputs: ['/t.ts'],
    definitions: [{ kind: 'resource', key: 'ui://t/t.html', name: 't', file: '/t.ts', entry: { uri: 'ui://t/t.html', name: 't' }, contentHash: hash, read: () => hash, complete: {} } satisfies LoadedResource],
  });

  it('is reported as updated (not code only) and emitted once; no list change', () => {
    const registry = new Registry();
    registry.apply([view('a')]);
    const updated: string[] = [];
    const changes: unknown[] = [];
    registry.on('updated', (uri) => updated.push(uri));
    registry.on('change', (c) => changes.push(c));
    const summary = registry.apply([view('b')]);
    expect(summary).toMatchObject({ updated: ['ui://t/t.html'], codeOnly: [] });
    expect(updated).toEqual(['ui://t/t.html']);
    expect(changes).toEqual([]);
    expect(registry.apply([view('b')]).updated).toEqual([]);
  });
});
