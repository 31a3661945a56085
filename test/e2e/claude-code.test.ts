import { execFile } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN } from '../helpers/cli.js';
import { ADD_TOOL } from '../helpers/fixtures.js';
import { removeDir, tempDir } from '../helpers/temp.js';

const run = promisify(execFile);
/** Pinned: `claude mcp list` output is what this test reads. Its native binary needs no Node 22. */
const CLAUDE_CODE = '@anthropic-ai/claude-code@2.1.332';
// Kept between runs: the package is a 400 MB native binary.
const CACHE = path.join(tmpdir(), 'mcp-sse-claude-code-2.1.332');
const CLAUDE = path.join(CACHE, 'node_modules/.bin/claude');

let unavailable: string | undefined;
let dir: string;

beforeAll(async () => {
  dir = await tempDir({ 'tools/add.ts': ADD_TOOL, 'home/.keep': '', 'project/.keep': '' });
  const works = () => run(CLAUDE, ['--version'], { timeout: 30_000 }).then(() => true, () => false);
  if (await works()) return;
  try {
    await mkdir(CACHE, { recursive: true });
    await run('npm', ['install', '--prefix', CACHE, '--no-audit', '--no-fund', CLAUDE_CODE], { timeout: 240_000 });
    // npm 11 holds install scripts back until approved; the package's own postinstall links the
    // platform binary into bin/claude.exe, so it is run here by hand.
    if (!(await works())) await run(process.execPath, [path.join(CACHE, 'node_modules/@anthropic-ai/claude-code/install.cjs')], { cwd: path.join(CACHE, 'node_modules/@anthropic-ai/claude-code'), timeout: 60_000 });
    await run(CLAUDE, ['--version'], { timeout: 30_000 });
  } catch (error) {
    unavailable = `${CLAUDE_CODE} could not be installed or run here: ${String((error as Error).message).split('\n')[0]}`;
  }
}, 300_000);

afterAll(() => removeDir(dir));

describe('Claude Code', () => {
  it('`claude mcp add NAME -- node bin/mcp-sse.js serve DIR --stdio` then `claude mcp list` shows it connected', async (ctx) => {
    if (unavailable) ctx.skip(unavailable);
    // Its own HOME: the config it writes (~/.claude.json) stays in the temp folder, and no login is needed for `mcp list`.
    const options = { cwd: path.join(dir, 'project'), env: { ...process.env, HOME: path.join(dir, 'home'), NO_COLOR: '1' }, timeout: 90_000 };
    const added = await run(CLAUDE, ['mcp', 'add', 'folder-tools', '--', process.execPath, BIN, 'serve', path.join(dir, 'tools'), '--stdio'], options);
    expect(added.stdout).toContain('Added stdio MCP server folder-tools');
    const listed = await run(CLAUDE, ['mcp', 'list'], options);
    expect(listed.stdout).toMatch(/^folder-tools: .*serve .*--stdio - ✔ Connected$/m);
  });
});
