import { readdir, readFile } from 'node:fs/promises';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/cli.js';
import { listFiles } from '../helpers/files.js';
import { removeDir, tempDir } from '../helpers/temp.js';
import { KEYS, runInTerminal } from '../helpers/terminal.js';

const hasScript = (() => {
  try {
    execFileSync('script', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

const made: string[] = [];
afterEach(async () => {
  for (const dir of made.splice(0)) await removeDir(dir);
});

async function templateFiles(template: string): Promise<string[]> {
  return (await listFiles(path.join(ROOT, 'templates', template))).map((f) => f.replace(/(^|\/)_gitignore$/, '$1.gitignore')).sort();
}

// Prompts are answered as a user would, through a pseudo-terminal (util-linux `script`).
describe.skipIf(!hasScript)('mcp-sse init on a terminal', () => {
  it('asks for the folder, a package name it can use, the template and whether to install', async () => {
    const cwd = await tempDir();
    made.push(cwd);
    const cli = runInTerminal(['init', '--no-git'], { cwd });
    await cli.waitFor(/Where should the project go\?/);
    cli.type(`My Thing${KEYS.enter}`);
    // "My Thing" is no package name: the fixed one is offered, editable.
    await cli.waitFor(/Package name[\s\S]*my-thing/);
    let from = cli.output().length;
    cli.type(KEYS.enter);
    await cli.waitFor(/Template[\s\S]*TypeScript[\s\S]*JavaScript/, { from });
    from = cli.output().length;
    cli.type(KEYS.down);
    await cli.waitFor(/● JavaScript/, { from });
    cli.type(KEYS.enter);
    await cli.waitFor(/Install dependencies now \(npm install\)\?/);
    cli.type('n'); // answers and submits
    await cli.waitFor(/Done: my-thing is ready\./);
    expect((await cli.exited).code).toBe(0);

    const project = path.join(cwd, 'My Thing');
    expect(await listFiles(project)).toEqual(await templateFiles('js'));
    expect(JSON.parse(await readFile(path.join(project, 'package.json'), 'utf8')).name).toBe('my-thing');
    expect(cli.output()).toMatch(/cd 'My Thing'/);
    expect(cli.output()).toMatch(/npm install\s+#/);
  });

  it('on a terminal that reports 0 columns, prompts are drawn whole, not one character per line', async () => {
    const cwd = await tempDir();
    made.push(cwd);
    const cli = runInTerminal(['init', '--no-git'], { cwd, cols: 0, env: { COLUMNS: '' } });
    await cli.waitFor(/Where should the project go\?/);
    cli.type(KEYS.ctrlC);
    await cli.exited;
  });

  it('Enter takes every default: my-mcp-server, ts, install', async () => {
    const cwd = await tempDir();
    made.push(cwd);
    const cli = runInTerminal(['init', '--no-git'], { cwd, env: { MCP_SSE_INIT_NO_SIDE_EFFECTS: '1' } });
    await cli.waitFor(/Where should the project go\?/);
    cli.type(KEYS.enter);
    await cli.waitFor(/Template[\s\S]*JavaScript/);
    cli.type(KEYS.enter);
    await cli.waitFor(/Install dependencies now \(npm install\)\?/);
    cli.type(KEYS.enter);
    await cli.waitFor(/Done: my-mcp-server is ready\./);
    expect((await cli.exited).code).toBe(0);
    expect(cli.output()).toContain('install: skipped (MCP_SSE_INIT_NO_SIDE_EFFECTS is set)');
    expect(await listFiles(path.join(cwd, 'my-mcp-server'))).toEqual(await templateFiles('ts'));
  });

  it('asks nothing with --yes', async () => {
    const cwd = await tempDir();
    made.push(cwd);
    const cli = runInTerminal(['init', 'quick', '--yes', '--no-git'], { cwd });
    expect((await cli.exited).code).toBe(0);
    expect(cli.output()).not.toMatch(/Where should|Template|Install dependencies/);
    expect(await listFiles(path.join(cwd, 'quick'))).toEqual(await templateFiles('ts'));
  });

  it('Ctrl-C at a prompt cancels and leaves nothing behind', async () => {
    const cwd = await tempDir();
    made.push(cwd);
    const cli = runInTerminal(['init', '--no-git'], { cwd });
    await cli.waitFor(/Where should the project go\?/);
    cli.type(`half-done${KEYS.enter}`);
    await cli.waitFor(/Template/);
    cli.type(KEYS.ctrlC);
    await cli.waitFor(/Cancelled; nothing was written\./);
    expect((await cli.exited).code).toBe(130);
    expect(await readdir(cwd)).toEqual([]);
  });

  it('asks before writing into a folder that is not empty, and Ctrl-C there keeps it as it was', async () => {
    const cwd = await tempDir({ 'busy/notes.txt': 'mine' });
    made.push(cwd);
    const cli = runInTerminal(['init', 'busy', '--template', 'ts', '--no-git'], { cwd });
    await cli.waitFor(/busy is not empty \(notes\.txt\)\. What now\?[\s\S]*Cancel[\s\S]*Write into it anyway/);
    cli.type(KEYS.ctrlC);
    await cli.waitFor(/Cancelled; nothing was written\./);
    expect((await cli.exited).code).toBe(130);
    expect(await listFiles(cwd)).toEqual(['busy/notes.txt']);
  });

  it('writes into a folder that is not empty once told to', async () => {
    const cwd = await tempDir({ 'busy/notes.txt': 'mine' });
    made.push(cwd);
    const cli = runInTerminal(['init', 'busy', '--template', 'js', '--no-install', '--no-git'], { cwd });
    await cli.waitFor(/What now\?/);
    const from = cli.output().length;
    cli.type(KEYS.down);
    await cli.waitFor(/● Write into it anyway/, { from });
    cli.type(KEYS.enter);
    await cli.waitFor(/Done: busy is ready\./);
    expect((await cli.exited).code).toBe(0);
    expect(await listFiles(path.join(cwd, 'busy'))).toEqual([...(await templateFiles('js')), 'notes.txt'].sort());
  });
});
