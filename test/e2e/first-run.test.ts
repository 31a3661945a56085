import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { ROOT, runCommand, runToEnd, serve, type ServeHandle } from '../helpers/cli.js';
import { ADD_TOOL } from '../helpers/fixtures.js';
import { waitForHealth } from '../helpers/health.js';
import { removeDir, tempDir, writeFiles } from '../helpers/temp.js';

// What a newcomer types in the first minutes: mistakes get one line that says what to do.
describe('first run: usage', () => {
  it.each([
    [['serve', '--port', '70000'], {}, /--port must be a whole number from 0 to 65535/],
    [['serve'], { PORT: '70000' }, /value '70000' from env 'PORT' is invalid\. --port must be a whole number from 0 to 65535/],
    [['serve', '--port', '-1'], {}, /--port must be a whole number from 0 to 65535/],
  ])('%j (env %j) is a usage error naming the range, exit 2', async (args, env, message) => {
    const { code, output } = await runToEnd(args as string[], { env: env as NodeJS.ProcessEnv });
    expect(code).toBe(2);
    expect(output).toMatch(message);
    expect(output).not.toMatch(/ERR_SOCKET_BAD_PORT|RangeError/);
  });

  it('top-level --help shows examples', async () => {
    const { code, output } = await runToEnd(['--help']);
    expect(code).toBe(0);
    expect(output).toMatch(/Examples:\n\s+\$ mcp-sse init/);
    expect(output).toMatch(/\$ mcp-sse call add a=2 b=3/);
  });

  it('serve --help groups its options', async () => {
    const { code, output } = await runToEnd(['serve', '--help']);
    expect(code).toBe(0);
    const headings = output.split('\n').filter((line) => /^[A-Z][\w-]*:$/.test(line));
    expect(headings).toEqual(['Arguments:', 'Network:', 'Server:', 'Security:', 'Limits:', 'Scale-out:', 'Logging:', 'Options:', 'Examples:']);
    const section = (name: string) => output.split(`\n${name}:\n`)[1]!.split('\n\n')[0]!;
    expect(section('Network')).toMatch(/--port/);
    expect(section('Security')).toMatch(/--auth-token[\s\S]*--allowed-origins/);
    expect(section('Limits')).toMatch(/--max-sessions/);
    expect(section('Scale-out')).toMatch(/--redis[\s\S]*--workers/);
    expect(section('Logging')).toMatch(/--log-level[\s\S]*--log-format/);
  });
});

describe('first run: the served folder', () => {
  let project: string;
  beforeAll(async () => {
    project = await tempDir({ 'tools/add.ts': ADD_TOOL, 'tools.ts': 'export const x = 1;\n' });
  });
  afterAll(() => removeDir(project));

  it.each([
    [['serve', './tool'], /^error\s+\.\/tool does not exist \(did you mean \.\/tools\?\); to start a project: mcp-sse init$/m],
    [['serve', 'tools/add.ts'], /^error\s+tools\/add\.ts is a file, not a folder: serve takes the folder that holds tool files; to start a project: mcp-sse init$/m],
    [['serve', 'tools.ts'], /tools\.ts is a file, not a folder.*\(did you mean tools\?\)/],
    [['serve', 'elsewhere'], /^error\s+elsewhere does not exist; to start a project: mcp-sse init$/m],
  ])('%j is one line naming the folder, exit 2', async (args, message) => {
    const { code, output } = await runToEnd([...args, '--port', '0'], { cwd: project });
    expect(code).toBe(2);
    expect(output.trim().split('\n')).toHaveLength(1);
    expect(output).toMatch(message);
    expect(output).not.toMatch(/ENOTDIR|scandir|ready/);
  });

  it('serve with no dir in a folder without ./tools says so', async () => {
    const bare = await tempDir({ 'readme.md': 'x' });
    try {
      const { code, output } = await runToEnd(['serve', '--port', '0'], { cwd: bare });
      expect(code).toBe(2);
      expect(output).toMatch(/^error\s+\.\/tools does not exist; to start a project: mcp-sse init$/m);
    } finally {
      await removeDir(bare);
    }
  });

  it('a config file naming a missing dir is named with it', async () => {
    const withConfig = await tempDir({ 'package.json': '{"type":"module"}', 'mcp-sse.config.mjs': `export default { dir: './tool' };\n`, 'tools/add.ts': ADD_TOOL });
    try {
      const { code, output } = await runToEnd(['serve', '--port', '0'], { cwd: withConfig });
      expect(code).toBe(2);
      expect(output).toMatch(/tool \(dir in .*mcp-sse\.config\.mjs\) does not exist \(did you mean \.?\/?tools\?\)/);
    } finally {
      await removeDir(withConfig);
    }
  });
});

describe('first run: a file that defines nothing', () => {
  it('serve warns at load and at reload, naming the file and both fixes', async () => {
    const tools = await tempDir({ 'add.ts': ADD_TOOL, 'plain.ts': `export default { name: 'plain', handler: () => 'x' };\n` });
    const server = await serve(tools);
    try {
      const warning = (file: string) =>
        new RegExp(`warn\\s+\\S*${file}\\.ts exports nothing made by defineTool, defineResource or definePrompt: wrap its export in defineTool\\(\\{\\.\\.\\.\\}\\) \\(or defineResource/definePrompt\\), or, if it is a helper, name it \\S*_${file}\\.ts`);
      expect(server.output()).toMatch(warning('plain'));
      const from = server.output().length;
      await writeFiles(tools, { 'forgot.ts': `import { z } from 'zod';\nexport const greet = { input: { name: z.string() }, handler: () => 'hi' };\n` });
      await server.waitFor(warning('forgot'), { from });
      // Wrapped: it serves, and no new warning follows.
      const fixed = server.output().length;
      await writeFiles(tools, { 'forgot.ts': `import { defineTool } from 'mcp-sse';\nexport const greet = defineTool({ handler: () => 'hi' });\n` });
      await server.waitFor(/reload .*forgot\.ts: \+greet/, { from: fixed });
      expect(server.output().slice(fixed)).not.toMatch(/exports nothing/);
    } finally {
      await server.stop();
      await removeDir(tools);
    }
  });
});

describe('first run: finding the running server', () => {
  it('two servers from one folder keep their own entries; call finds them from below; several are listed; a killed one is dropped', async () => {
    const project = await tempDir({
      'tools/add.ts': ADD_TOOL,
      'other/hello.ts': `import { defineTool } from 'mcp-sse';\nexport default defineTool({ handler: () => 'hello' });\n`,
    });
    const first = await serve('tools', ['--no-watch'], { cwd: project });
    let second: ServeHandle | undefined;
    try {
      const inTools = path.join(project, 'tools');
      // One server: found from the served folder, below where `serve` ran.
      let run = await runToEnd(['call', 'add', 'a=1', 'b=2'], { cwd: inTools });
      expect(run.output.trim()).toBe('{"sum":3}');

      second = await serve('other', ['--no-watch'], { cwd: project });
      const entries = await readdir(path.join(project, '.mcp-sse/servers'));
      expect(entries.sort()).toEqual([`${first.child.pid}.json`, `${second.child.pid}.json`].sort());
      // Two from the project folder: which one is a clear choice, not a guess.
      run = await runToEnd(['list'], { cwd: project });
      expect(run.code).toBe(2);
      expect(run.output).toMatch(new RegExp(`2 servers run from \\.: ${first.url} \\(serving tools, pid ${first.child.pid}\\), ${second.url} \\(serving other, pid ${second.child.pid}\\); pass the URL, or run this inside the folder one serves`.replace(/\//g, '\\/')));
      // Inside one's served folder, that one.
      run = await runToEnd(['call', 'hello'], { cwd: path.join(project, 'other') });
      expect(run.output.trim()).toBe('hello');

      // The second stops: the first's entry stays and is found again.
      await second.stop();
      second = undefined;
      run = await runToEnd(['call', 'add', 'a=2', 'b=2'], { cwd: project });
      expect(run.output.trim()).toBe('{"sum":4}');

      // Killed without a chance to clean up: its entry is dropped when looked at.
      await first.stop('SIGKILL');
      expect(existsSync(path.join(project, `.mcp-sse/servers/${first.child.pid}.json`))).toBe(true);
      run = await runToEnd(['list', '--json'], { cwd: inTools });
      // It falls back to http://127.0.0.1:8000 (which another program on this machine may hold).
      expect(run.output).not.toContain(first.url);
      expect(existsSync(path.join(project, `.mcp-sse/servers/${first.child.pid}.json`))).toBe(false);
    } finally {
      await second?.stop();
      await first.stop();
      await removeDir(project);
    }
  });
});

describe('first run: list and call leave no session behind', () => {
  it('over /mcp they end their session with DELETE, so /healthz does not count them', async () => {
    const tools = await tempDir({ 'add.ts': ADD_TOOL });
    const server = await serve(tools, ['--no-watch']);
    try {
      for (const args of [['list', server.mcpUrl], ['call', server.mcpUrl, 'add', 'a=1', 'b=2']]) {
        const run = await runToEnd(args);
        expect(run.code, run.output).toBe(0);
      }
      // Without the DELETE each would count for --session-timeout (30 min by default).
      const h = await waitForHealth(server.url, (h) => h.sessions.http === 0, 5_000);
      expect(h.sessions.total).toBe(0);
    } finally {
      await server.stop();
      await removeDir(tools);
    }
  });
});

describe('first run: a package that is not installed', () => {
  it('is one line naming the package, the file, and the npm install to run where; installing it retries the file', async () => {
    const project = await tempDir({
      'package.json': '{ "name": "p", "private": true }\n',
      'tools/add.ts': ADD_TOOL,
      'tools/weather.ts': `import { defineTool } from 'mcp-sse';\nimport pad from 'fake-pad/sub';\nexport default defineTool({ handler: () => pad('x') });\n`,
    });
    const server = await serve('tools', [], { cwd: project });
    try {
      const line = await server.waitFor(/^.*weather\.ts.*$/m);
      expect(line[0]).toMatch(/^error\s+tools\/weather\.ts:2:\d+: package 'fake-pad' is not installed: run `npm install fake-pad` in \.$/);
      expect(server.output()).not.toMatch(/Require stack|Cannot find module/);
      // What `npm install fake-pad` does to the project: a folder in node_modules, then package.json.
      const from = server.output().length;
      await writeFiles(project, {
        'node_modules/fake-pad/package.json': '{ "name": "fake-pad", "version": "1.0.0" }\n',
        'node_modules/fake-pad/sub.js': `module.exports = (s) => 'padded ' + s;\n`,
        'package.json': '{ "name": "p", "private": true, "dependencies": { "fake-pad": "^1.0.0" } }\n',
      });
      await server.waitFor(/recovered tools\/weather\.ts/, { from });
      const run = await runToEnd(['call', server.url, 'weather']);
      expect(run.output.trim()).toBe('padded x');
    } finally {
      await server.stop();
      await removeDir(project);
    }
  });
});

describe('first run: types in a bare folder', () => {
  const tsc = (dir: string) => runCommand(path.join(ROOT, 'node_modules/.bin/tsc'), ['--noEmit', '-p', dir, '--pretty', 'false']);

  it('init --bare gives tool files the types of mcp-sse and zod with nothing installed; args are typed from input', async () => {
    const tools = await tempDir({
      'add.ts': ADD_TOOL,
      'shout.ts': `import { z } from 'zod';\nimport { defineTool } from 'mcp-sse';\nexport default defineTool({ input: { n: z.number() }, handler: ({ n }) => n.toUpperCase() });\n`,
    });
    try {
      const run = await runToEnd(['init', '--bare', tools]);
      expect(run.code, run.output).toBe(0);
      expect(run.output).toMatch(/wrote .*\.mcp-sse\/types\/tsconfig\.json, .*\.mcp-sse\/\.gitignore, .*tsconfig\.json/);
      const checked = tsc(tools);
      const { code } = await checked.exited;
      expect(checked.output()).not.toMatch(/TS2307/);
      // The one error is the real one: `n` is a number, typed from `input`.
      expect(checked.output().trim().split('\n')).toEqual([expect.stringMatching(/shout\.ts\(3,\d+\): error TS2339: Property 'toUpperCase' does not exist on type 'number'/)]);
      expect(code).toBe(2);
      // Asked again, it does not replace the user's config without --force.
      const again = await runToEnd(['init', '--bare', tools]);
      expect(again.code).toBe(1);
      expect(again.output).toMatch(/tsconfig\.json exists; add "extends": "\.\/\.mcp-sse\/types\/tsconfig\.json" to it yourself, or pass --force/);
    } finally {
      await removeDir(tools);
    }
  });

  it('serve on such a folder writes nothing into it and prints a one-line hint', async () => {
    const tools = await tempDir({ 'add.ts': ADD_TOOL });
    const server = await serve(tools, ['--no-watch']);
    try {
      expect(server.output()).toMatch(/hint: editors find no types for mcp-sse and zod in \S+; `mcp-sse init --bare \S+` gives them types, with nothing to install$/m);
      expect(await readdir(tools)).toEqual(['add.ts']);
    } finally {
      await server.stop();
      await removeDir(tools);
    }
  });

  it('without it, the same folder has no types (TS2307), which is what it fixes', async () => {
    const tools = await tempDir({ 'add.ts': ADD_TOOL, 'tsconfig.json': JSON.stringify({ compilerOptions: { module: 'preserve', moduleResolution: 'bundler', noEmit: true, strict: true }, include: ['*.ts'] }) });
    try {
      const checked = tsc(tools);
      await checked.exited;
      expect(checked.output()).toMatch(/error TS2307: Cannot find module 'zod'/);
    } finally {
      await removeDir(tools);
    }
  });
});
