import { describe, expect, it } from 'vitest';
import { isServedFile, isWatchedPath } from '../../src/files/discover.js';
import { derivedName } from '../../src/definitions/definitions.js';

describe('isServedFile', () => {
  it.each(['add.ts', 'math/add.mts', 'a.cts', 'b.js', 'c.mjs', 'd.cjs', 'deep/er/x.ts'])('serves %s', (file) => {
    expect(isServedFile(file)).toBe(true);
  });
  it.each([
    '_helper.ts',
    '.hidden.ts',
    'types.d.ts',
    'x.d.mts',
    'add.test.ts',
    'add.spec.js',
    'node_modules/pkg/index.js',
    '_lib/add.ts',
    '.git/hooks/x.js',
    'readme.md',
    'data.json',
  ])('skips %s', (file) => {
    expect(isServedFile(file)).toBe(false);
  });
});

describe('isWatchedPath', () => {
  it('watches helpers and ordinary folders', () => {
    expect(isWatchedPath('_helper.ts')).toBe(true);
    expect(isWatchedPath('sub/_lib/x.ts')).toBe(true);
    expect(isWatchedPath('')).toBe(true);
  });
  it('ignores node_modules and dot-folders, but not parent references', () => {
    expect(isWatchedPath('node_modules/a/b.js')).toBe(false);
    expect(isWatchedPath('.git/index')).toBe(false);
    expect(isWatchedPath('../shared/helper.ts')).toBe(true);
  });
});

describe('derivedName', () => {
  it('uses the path under the folder for a default export', () => {
    expect(derivedName('add.ts', 'default')).toBe('add');
    expect(derivedName('math/add.mts', 'default')).toBe('math_add');
    expect(derivedName('a/b/c.cjs', 'default')).toBe('a_b_c');
  });
  it('numbers items of a default-exported array', () => {
    expect(derivedName('tools.ts', 'default[1]')).toBe('tools_1');
  });
  it("uses a named export's own name", () => {
    expect(derivedName('math.ts', 'add')).toBe('add');
    expect(derivedName('math.ts', 'ops[2]')).toBe('ops_2');
  });
});
