import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runToEnd, serve } from '../helpers/cli.js';
import { removeDir, tempDir } from '../helpers/temp.js';

const add = `import { z } from 'zod';
import { defineTool } from 'mcp-sse';
export default defineTool({ description: 'Add', input: { a: z.number(), b: z.number() }, handler: ({ a, b }) => a + b });
`;
const okFiles = {
  'add.ts': add,
  'docs.ts': `import { defineResource } from 'mcp-sse';
export default defineResource({ uri: 'docs://readme', name: 'readme', read: () => '# hi' });
`,
  'review.js': `import { definePrompt } from 'mcp-sse';
export const review = definePrompt({ description: 'Review', get: () => 'Review this' });
`,
  '_helper.ts': 'export const skipped = true;\n',
};
const brokenFiles = {
  'add.ts': add,
  'invalid.ts': `import { defineTool } from 'mcp-sse';
export default defineTool({ description: 'x', handler: () => 1, colour: 'red' });
`,
  'plus.ts': add.replace("description: 'Add'", "name: 'add', description: 'Add again'"),
  'syntax.ts': 'export const x = (;\n',
};

/** Table rows as [kind, name, file, status]. */
function rows(output: string): string[][] {
  return output
    .split('\n')
    .filter((line) => /\s(ok|error)$/.test(line))
    .map((line) => line.trim().split(/\s{2,}/));
}

describe('mcp-sse check', () => {
  let ok: string;
  let broken: string;
  beforeAll(async () => {
    ok = await tempDir(okFiles);
    broken = await tempDir(brokenFiles);
  });
  afterAll(async () => {
    await removeDir(ok);
    await removeDir(broken);
  });

  it('prints a table of every definition and exits 0 when all is well', async () => {
    const { code, output } = await runToEnd(['check', '.'], { cwd: ok });
    expect(code, output).toBe(0);
    expect(output).toMatch(/^KIND\s+NAME\s+FILE\s+STATUS$/m);
    expect(rows(output)).toEqual([
      ['tool', 'add', 'add.ts', 'ok'],
      ['resource', 'docs://readme', 'docs.ts', 'ok'],
      ['prompt', 'review', 'review.js', 'ok'],
    ]);
    expect(output).toContain('3 file(s): 1 tools, 1 resources, 1 prompts, 0 problem(s)');
  });

  it('flags a served file that defines nothing, as a warning that does not fail the check', async () => {
    const dir = await tempDir({ 'add.ts': add, 'util.ts': 'export const factor = 10;\n' });
    try {
      const { code, output } = await runToEnd(['check', '.'], { cwd: dir });
      expect(code, output).toBe(0);
      expect(output).toMatch(/^-\s+-\s+util\.ts\s+no definitions$/m);
      expect(output).toMatch(/^warn\s+util\.ts exports nothing made by defineTool, defineResource or definePrompt: wrap its export in defineTool\(\{\.\.\.\}\) \(or defineResource\/definePrompt\), or, if it is a helper, name it _util\.ts$/m);
    } finally {
      await removeDir(dir);
    }
  });

  it('marks each broken file, exits 1, and explains with the words serve uses', async () => {
    const { code, output } = await runToEnd(['check', '.'], { cwd: broken });
    expect(code).toBe(1);
    expect(rows(output)).toEqual([
      ['tool', 'add', 'add.ts', 'ok'],
      ['-', '-', 'invalid.ts', 'error'],
      ['-', '-', 'plus.ts', 'error'],
      ['-', '-', 'syntax.ts', 'error'],
    ]);
    expect(output).toContain('3 problem(s)');
    const messages = [
      /invalid\.ts: tool: unknown key "colour"/,
      /plus\.ts: tool "add" is already defined in .*add\.ts; names must be unique/,
      /syntax\.ts:1:19: Unexpected ";"/,
    ];
    for (const message of messages) expect(output).toMatch(message);

    const server = await serve(broken, ['--no-watch']);
    try {
      for (const message of messages) expect(server.output()).toMatch(message);
    } finally {
      await server.stop();
    }
  });

  it('prints the same result as JSON with --json', async () => {
    const { code, output } = await runToEnd(['check', '.', '--json'], { cwd: broken });
    expect(code).toBe(1);
    const report = JSON.parse(output);
    expect(report.definitions).toHaveLength(4);
    expect(report.errors.map((e: { file: string }) => e.file.split('/').pop()).sort()).toEqual(['invalid.ts', 'plus.ts', 'syntax.ts']);
  });

  it('fails on a folder that does not exist', async () => {
    const { code, output } = await runToEnd(['check', 'no-such-folder'], { cwd: ok });
    expect(code).toBe(1);
    expect(output).toMatch(/error: no-such-folder does not exist/);
  });

  it('says so when the folder holds no definition files', async () => {
    const empty = await tempDir({ 'notes.txt': 'nothing here' });
    try {
      const { output } = await runToEnd(['check', '.'], { cwd: empty });
      expect(output).toMatch(/no definition files found/);
    } finally {
      await removeDir(empty);
    }
  });
});
