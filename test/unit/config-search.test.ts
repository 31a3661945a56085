import { chown, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { findConfigFile } from '../../src/cli/config-file.js';
import { removeDir, tempDir } from '../helpers/temp.js';

let root: string;
beforeEach(async () => {
  root = await tempDir({ 'mcp-sse.config.js': 'export default {}', 'a/b/tools/x.ts': '' });
});
afterEach(() => removeDir(root));

const elsewhere = '/nonexistent-home';

describe('findConfigFile', () => {
  it('stops at the working directory', () => {
    expect(findConfigFile(`${root}/a/b/tools`, { cwd: `${root}/a`, home: elsewhere })).toBeUndefined();
    expect(findConfigFile(`${root}/a/b/tools`, { cwd: root, home: elsewhere })).toBe(`${root}/mcp-sse.config.js`);
  });

  it('stops at the home folder and at a project root', async () => {
    expect(findConfigFile(`${root}/a/b/tools`, { cwd: elsewhere, home: `${root}/a/b` })).toBeUndefined();
    await writeFile(`${root}/a/package.json`, '{}');
    expect(findConfigFile(`${root}/a/b/tools`, { cwd: elsewhere, home: elsewhere })).toBeUndefined();
    await writeFile(`${root}/a/mcp-sse.config.ts`, 'export default {}');
    expect(findConfigFile(`${root}/a/b/tools`, { cwd: elsewhere, home: elsewhere })).toBe(`${root}/a/mcp-sse.config.ts`);
  });

  it('searches only the folder itself when nothing above it bounds the search', async () => {
    expect(findConfigFile(`${root}/a/b/tools`, { cwd: elsewhere, home: elsewhere })).toBeUndefined();
    await writeFile(`${root}/a/b/tools/mcp-sse.config.js`, 'export default {}');
    expect(findConfigFile(`${root}/a/b/tools`, { cwd: elsewhere, home: elsewhere })).toBe(`${root}/a/b/tools/mcp-sse.config.js`);
  });

  it.skipIf(process.getuid?.() !== 0)('never reads a folder or file another user owns', async () => {
    await chown(path.join(root, 'a'), 12345, 12345);
    expect(findConfigFile(`${root}/a/b/tools`, { cwd: root, home: elsewhere })).toBeUndefined();
    await chown(path.join(root, 'a'), 0, 0);
    await mkdir(`${root}/c`);
    await writeFile(`${root}/c/mcp-sse.config.js`, 'export default {}');
    await chown(`${root}/c/mcp-sse.config.js`, 12345, 12345);
    expect(findConfigFile(`${root}/c`, { cwd: `${root}/c`, home: elsewhere })).toBeUndefined();
  });
});
