import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runToEnd, serve } from '../helpers/cli.js';
import { ADD_TOOL } from '../helpers/fixtures.js';
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
