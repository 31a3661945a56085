import { existsSync } from 'node:fs';
import { chmod, mkdir, readFile, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ROOT, runCli, runToEnd } from '../helpers/cli.js';
import { listFiles } from '../helpers/files.js';
import { removeDir, tempDir } from '../helpers/temp.js';

const ownManifest = JSON.parse(await readFile(path.join(ROOT, 'package.json'), 'utf8'));
// Non-interactive (stdin is not a TTY here); no git or install unless a test asks.
const init = (args: string[], cwd: string, env: NodeJS.ProcessEnv = {}) => runToEnd(['init', ...args], { cwd, env });

const made: string[] = [];
async function workspace(files: Record<string, string> = {}): Promise<string> {
  const dir = await tempDir(files);
  made.push(dir);
  return dir;
}
afterEach(async () => {
  for (const dir of made.splice(0)) await removeDir(dir);
});

/** The template's listing as a generated project shows it: `_gitignore` becomes `.gitignore`. */
async function expectedFiles(template: string): Promise<string[]> {
  const files = await listFiles(path.join(ROOT, 'templates', template));
  return files.map((f) => f.replace(/(^|\/)_gitignore$/, '$1.gitignore')).sort();
}

describe('mcp-sse init (non-interactive)', () => {
  it.each(['ts', 'js'])('writes exactly the %s template, with the name and versions filled in', async (template) => {
    const cwd = await workspace();
    const { code, output } = await init(['weather', '--template', template, '--no-install', '--no-git'], cwd);
    expect(code, output).toBe(0);
    const project = path.join(cwd, 'weather');
    expect(await listFiles(project)).toEqual(await expectedFiles(template));
    const ext = template;
    expect(await listFiles(project)).toEqual(
      expect.arrayContaining(['.gitignore', '.vscode/mcp.json', 'README.md', 'package.json', `tools/calculator.${ext}`, `tools/random-joke.${ext}`, `test/tools.test.${ext}`]),
    );
    expect(await readdir(cwd), 'no staging folder left beside it').toEqual(['weather']);

    const manifest = JSON.parse(await readFile(path.join(project, 'package.json'), 'utf8'));
    expect(manifest).toMatchObject({ name: 'weather', type: 'module' });
    expect(Object.keys(manifest.scripts)).toEqual(expect.arrayContaining(['dev', 'start', 'check', 'inspect', 'test']));
    // The server's name, as README and .vscode/mcp.json give it.
    expect(manifest.scripts.dev).toBe('mcp-sse serve tools --name weather');
    expect(manifest.scripts.start).toBe('mcp-sse serve tools --no-watch --name weather');
    expect(Object.keys(JSON.parse(await readFile(path.join(project, '.vscode/mcp.json'), 'utf8')).servers)).toEqual(['weather', 'weather-stdio']);
    // The folder follows the umask (022 here: rwxr-xr-x), as any folder the user makes does.
    const umask = process.umask();
    expect((await stat(project)).mode & 0o777).toBe(0o777 & ~umask);
    expect(manifest.dependencies).toEqual({
      'mcp-sse': `^${ownManifest.version}`,
      zod: ownManifest.dependencies.zod,
      // The ts template's MCP App view imports the view side of ext-apps.
      ...(template === 'ts' && { '@modelcontextprotocol/ext-apps': ownManifest.dependencies['@modelcontextprotocol/ext-apps'] }),
    });
    for (const [dep, range] of Object.entries(manifest.devDependencies ?? {})) expect(range).toBe(ownManifest.devDependencies[dep]);
    expect(existsSync(path.join(project, 'tsconfig.json'))).toBe(template === 'ts');

    for (const file of await listFiles(project)) {
      expect(await readFile(path.join(project, file), 'utf8'), file).not.toContain('{{');
    }
    expect(JSON.parse(await readFile(path.join(project, '.vscode/mcp.json'), 'utf8'))).toEqual({
      servers: {
        weather: { type: 'sse', url: 'http://127.0.0.1:8000/sse' },
        'weather-stdio': { type: 'stdio', command: 'npx', args: ['mcp-sse', 'serve', 'tools', '--stdio'] },
      },
    });
    const readme = await readFile(path.join(project, 'README.md'), 'utf8');
    expect(readme).toContain('claude mcp add --transport sse weather http://127.0.0.1:8000/sse');
    expect(readme).toContain('claude mcp add weather -- npx mcp-sse serve tools --stdio');
    expect(readme).toContain('"mcpServers": { "weather": { "command": "npx", "args": ["-y", "mcp-sse", "serve", "/absolute/path/to/weather/tools", "--stdio"] } }');
  });

  it('defaults to the ts template in my-mcp-server and prints the exact next steps', async () => {
    const cwd = await workspace();
    const { code, output } = await init(['--no-git'], cwd);
    expect(code, output).toBe(0);
    expect(await listFiles(path.join(cwd, 'my-mcp-server'))).toEqual(await expectedFiles('ts'));
    expect(output).toMatch(/^\s+cd my-mcp-server$/m);
    expect(output).toMatch(/^\s+npm install\s+#/m);
    expect(output).toMatch(/^\s+npm run dev\s+#/m);
    expect(output).toMatch(/^\s+npm test\s+#/m);
    expect(output).toContain('claude mcp add --transport sse my-mcp-server http://127.0.0.1:8000/sse');
    expect(output).toContain('claude mcp add my-mcp-server -- npx mcp-sse serve tools --stdio');
  });

  it('`init .` fills an empty folder, named after it', async () => {
    const parent = await workspace();
    const cwd = path.join(parent, 'dice-roller');
    await mkdir(cwd);
    const { code, output } = await init(['.', '--template', 'js', '--no-git'], cwd);
    expect(code, output).toBe(0);
    expect(await listFiles(cwd)).toEqual(await expectedFiles('js'));
    expect(JSON.parse(await readFile(path.join(cwd, 'package.json'), 'utf8')).name).toBe('dice-roller');
    expect(output).not.toMatch(/^\s+cd /m);
  });

  it('makes the parent folders of a nested path', async () => {
    const cwd = await workspace();
    const { code, output } = await init(['servers/internal/billing', '--no-git'], cwd);
    expect(code, output).toBe(0);
    expect(JSON.parse(await readFile(path.join(cwd, 'servers/internal/billing/package.json'), 'utf8')).name).toBe('billing');
    expect(await readdir(path.join(cwd, 'servers/internal'))).toEqual(['billing']);
  });

  it('fixes a folder name that is not a valid package name, and says so', async () => {
    const cwd = await workspace();
    const { code, output } = await init(['My Weather Server!', '--no-git'], cwd);
    expect(code, output).toBe(0);
    const manifest = JSON.parse(await readFile(path.join(cwd, 'My Weather Server!', 'package.json'), 'utf8'));
    expect(manifest.name).toBe('my-weather-server');
    expect(output).toContain('package my-weather-server');
    expect(output).toMatch(/cd 'My Weather Server!'/);
  });

  it('refuses an invalid --name with the reason, writing nothing', async () => {
    const cwd = await workspace();
    const { code, output } = await init(['x', '--name', 'Bad Name', '--no-git'], cwd);
    expect(code).toBe(2);
    expect(output).toMatch(/error: "Bad Name" is not a valid package name: .*capital letters.*; try --name bad-name/);
    expect(await readdir(cwd)).toEqual([]);
  });

  it('refuses a folder whose name cannot become a package name', async () => {
    const cwd = await workspace();
    const { code, output } = await init(['http', '--no-git'], cwd);
    expect(code).toBe(2);
    expect(output).toMatch(/cannot make a valid package name from the folder name "http".*core module.*pass --name/);
    expect(await readdir(cwd)).toEqual([]);
  });

  it('refuses an unknown template, naming the ones there are', async () => {
    const cwd = await workspace();
    const { code, output } = await init(['x', '--template', 'rust'], cwd);
    expect(code).toBe(2);
    expect(output).toMatch(/argument 'rust' is invalid\. Allowed choices are ts, js/);
    expect(await readdir(cwd)).toEqual([]);
  });

  it('refuses a folder that is not empty, listing what is there; --force writes into it', async () => {
    const cwd = await workspace({ 'app/notes.txt': 'mine', 'app/README.md': 'old readme', 'app/data/keep.json': '{}' });
    const refused = await init(['app', '--no-git'], cwd);
    expect(refused.code).toBe(1);
    expect(refused.output).toMatch(/error: app is not empty \(README\.md, data, notes\.txt\); pass --force/);
    expect(await listFiles(path.join(cwd, 'app'))).toEqual(['README.md', 'data/keep.json', 'notes.txt']);

    const forced = await init(['app', '--force', '--no-git'], cwd);
    expect(forced.code, forced.output).toBe(0);
    const files = await listFiles(path.join(cwd, 'app'));
    expect(files).toEqual([...(await expectedFiles('ts')), 'data/keep.json', 'notes.txt'].sort());
    expect(await readFile(path.join(cwd, 'app/notes.txt'), 'utf8')).toBe('mine');
    expect(await readFile(path.join(cwd, 'app/README.md'), 'utf8')).toContain('# app');
    expect(files.some((f) => f.includes('mcp-sse-init'))).toBe(false);
  });

  it('counts a folder holding only .git as empty', async () => {
    const cwd = await workspace({ 'repo/.git/HEAD': 'ref: refs/heads/main\n' });
    const { code, output } = await init(['repo', '--no-git'], cwd);
    expect(code, output).toBe(0);
  });

  it('runs git init by default, and not inside an existing repository', async () => {
    const cwd = await workspace();
    const first = await init(['outer'], cwd);
    expect(first.code, first.output).toBe(0);
    expect(first.output).toContain('git: initialized a repository');
    expect(existsSync(path.join(cwd, 'outer/.git'))).toBe(true);

    const nested = await init(['outer/packages/inner'], cwd);
    expect(nested.code, nested.output).toBe(0);
    expect(nested.output).toContain('git: skipped, already inside a git repository');
    expect(existsSync(path.join(cwd, 'outer/packages/inner/.git'))).toBe(false);
  });

  it(`${'MCP_SSE_INIT_NO_SIDE_EFFECTS'} turns off install and git whatever the flags say`, async () => {
    const cwd = await workspace();
    const { code, output } = await init(['quiet', '--install', '--git'], cwd, { MCP_SSE_INIT_NO_SIDE_EFFECTS: '1' });
    expect(code, output).toBe(0);
    expect(output).toContain('install: skipped (MCP_SSE_INIT_NO_SIDE_EFFECTS is set)');
    expect(existsSync(path.join(cwd, 'quiet/.git'))).toBe(false);
    expect(existsSync(path.join(cwd, 'quiet/node_modules'))).toBe(false);
  });

  describe('--install', () => {
    /** A stand-in package manager on PATH, picked by npm_config_user_agent as `pnpm dlx` would set it. */
    async function fakePnpm(script: string): Promise<NodeJS.ProcessEnv> {
      const bin = await workspace({ pnpm: `#!/bin/sh\n${script}\n` });
      await chmod(path.join(bin, 'pnpm'), 0o755);
      return { PATH: `${bin}${path.delimiter}${process.env.PATH}`, npm_config_user_agent: 'pnpm/9.0.0 npm/? node/v20' };
    }

    it('installs with the package manager that ran init, in the new folder', async () => {
      const cwd = await workspace();
      const env = await fakePnpm('echo "$@" > installed-by-pnpm.txt');
      const { code, output } = await init(['fast', '--install', '--no-git'], cwd, env);
      expect(code, output).toBe(0);
      expect(output).toContain('installing dependencies with pnpm install');
      expect(await readFile(path.join(cwd, 'fast/installed-by-pnpm.txt'), 'utf8')).toBe('install\n');
      expect(output).toMatch(/^\s+pnpm dev\s+#/m);
      expect(output).not.toMatch(/^\s+pnpm install/m);
    });

    it('exits 1 when the install fails, keeping the project and saying what to run', async () => {
      const cwd = await workspace();
      const env = await fakePnpm('echo "ERR_PNPM_FETCH_404 no such package" >&2; exit 3');
      const { code, output } = await init(['broken', '--install', '--no-git'], cwd, env);
      expect(code).toBe(1);
      expect(output).toMatch(/pnpm install failed \(exited with 3\); the project is complete, run pnpm install in broken/);
      expect(output).toMatch(/^\s+pnpm install\s+#/m);
      expect(await listFiles(path.join(cwd, 'broken'))).toEqual(await expectedFiles('ts'));
    });
  });

  it('a SIGINT at any moment leaves the whole project or nothing, never a staging folder', async () => {
    const timed = await workspace();
    const started = Date.now();
    expect((await init(['p', '--no-git'], timed)).code).toBe(0);
    const fullRun = Date.now() - started;
    const expected = await expectedFiles('ts');
    // Interrupts spread over a whole run: before, during and after the write.
    for (const fraction of [0.3, 0.5, 0.6, 0.7, 0.8, 0.85, 0.9, 0.95, 1]) {
      const cwd = await workspace();
      const cli = runCli(['init', 'p', '--no-git'], { cwd });
      const timer = setTimeout(() => cli.child.kill('SIGINT'), Math.round(fullRun * fraction));
      const { code, signal } = await cli.exited;
      clearTimeout(timer);
      expect([0, 130, null], cli.output()).toContain(code);
      const left = await readdir(cwd);
      if (left.length === 0) expect(code === 130 || signal === 'SIGINT', `fraction ${fraction}`).toBe(true);
      else {
        expect(left).toEqual(['p']);
        expect(await listFiles(path.join(cwd, 'p'))).toEqual(expected);
      }
    }
  });

  it('shows its options and examples in --help', async () => {
    const { code, output } = await runToEnd(['init', '--help']);
    expect(code).toBe(0);
    for (const flag of ['--template', '--name', '--force', '--install', '--no-install', '--git', '--no-git', '--yes']) expect(output).toContain(flag);
    expect(output).toContain('Examples:');
  });

  // /proc takes no new files, not even from root: a write failure every test machine can produce.
  it.runIf(process.platform === 'linux')('says so when the folder cannot be written', async () => {
    const cwd = await workspace();
    const { code, output } = await init(['/proc/mcp-sse-init-test', '--no-git'], cwd);
    expect(code).toBe(1);
    expect(output).toMatch(/error: could not write the project to \/proc\/mcp-sse-init-test \((EACCES|ENOENT|EPERM)/);
  });

  it('does not leave a file in place of a folder argument', async () => {
    const cwd = await workspace({ taken: 'a file' });
    const { code, output } = await init(['taken', '--no-git'], cwd);
    expect(code).toBe(1);
    expect(output).toMatch(/cannot use taken: it is a file, not a folder/);
    expect(await readFile(path.join(cwd, 'taken'), 'utf8')).toBe('a file');
    const below = await init(['taken/app', '--no-git'], cwd);
    expect(below.code).toBe(1);
    expect(below.output).toMatch(/cannot use taken\/app: part of its path is a file/);
  });
});

