import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCommand, runToEnd, untilServing, type ServeHandle } from '../helpers/cli.js';
import { connect, TRANSPORTS } from '../helpers/clients.js';
import { installOffline } from '../helpers/offline-install.js';
import { packedTarball } from '../helpers/pack.js';
import { removeDir, tempDir } from '../helpers/temp.js';

const execFileAsync = promisify(execFile);
const TOOLS = ['add', 'divide', 'multiply', 'random-joke', 'report', 'subtract'];
// The ts template also has a tool with an MCP App view (a ui:// resource).
const toolsOf = (template: string) => (template === 'ts' ? [...TOOLS, 'roll-dice'].sort() : TOOLS);
const resourcesOf = (template: string) => (template === 'ts' ? ['docs://about', 'ui://roll-dice/dice.html'] : ['docs://about']);

/** The environment a user's shell would give npm: none of this vitest run's own variables. */
function userEnv(): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !/^(VITEST|NODE_OPTIONS$|TEST$|NODE_ENV$)/.test(key)));
  return { ...env, NO_COLOR: '1', npm_config_update_notifier: 'false', npm_config_fund: 'false' };
}

async function npm(args: string[], cwd: string): Promise<{ code: number; output: string }> {
  try {
    const { stdout, stderr } = await execFileAsync('npm', args, { cwd, env: userEnv(), timeout: 120_000 });
    return { code: 0, output: stdout + stderr };
  } catch (error) {
    const { code, stdout, stderr } = error as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof code === 'number' ? code : 1, output: `${stdout ?? ''}${stderr ?? ''}` };
  }
}

// A generated project, installed against the packed mcp-sse (offline, from the npm cache),
// works on the first try: its tests pass, `check` is clean, `npm run dev` serves its tools.
describe.each(['ts', 'js'])('a project from the %s template, installed from the tarball', (template) => {
  let workspace: string;
  let project: string;

  beforeAll(async () => {
    const tarball = await packedTarball();
    workspace = await tempDir();
    const made = await runToEnd(['init', `demo-${template}`, '--template', template, '--no-install', '--no-git'], { cwd: workspace });
    expect(made.code, made.output).toBe(0);
    project = path.join(workspace, `demo-${template}`);
    await installOffline(project, tarball);
  }, 300_000);

  afterAll(() => removeDir(workspace));

  it('passes its own npm test, without the internet', async () => {
    const { code, output } = await npm(['test'], project);
    expect(code, output).toBe(0);
    expect(output).toMatch(template === 'ts' ? /Tests\s+15 passed/ : /# pass 13/);
  });

  it('passes mcp-sse check, listing every definition', async () => {
    const { code, output } = await npm(['run', 'check'], project);
    expect(code, output).toBe(0);
    for (const name of [...toolsOf(template), ...resourcesOf(template), 'solve']) expect(output).toMatch(new RegExp(`\\s${name.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}\\s`));
    expect(output).toContain(template === 'ts' ? '7 tools, 2 resources, 1 prompts, 0 problem(s)' : '6 tools, 1 resources, 1 prompts, 0 problem(s)');
  });

  it.runIf(template === 'ts')('type-checks', async () => {
    const { code, output } = await npm(['run', 'typecheck'], project);
    expect(code, output).toBe(0);
  });

  describe('npm run dev', () => {
    let server: ServeHandle;
    beforeAll(async () => {
      server = await untilServing(runCommand('npm', ['run', 'dev', '--', '--port', '0'], { cwd: project, env: userEnv(), processGroup: true }));
    }, 60_000);
    afterAll(() => server?.stop());

    it.each(TRANSPORTS)('serves the tools to an SDK client over %s', async (transport) => {
      const { client, close } = await connect(server.url, transport);
      try {
        const { tools } = await client.listTools();
        expect(tools.map((t) => t.name).sort()).toEqual(toolsOf(template));
        const result = await client.callTool({ name: 'divide', arguments: { a: 1, b: 0 } });
        expect(result).toMatchObject({ isError: true, content: [{ type: 'text', text: expect.stringMatching(/divide by zero/i) }] });
        const { resources } = await client.listResources();
        expect(resources.map((r) => r.uri)).toEqual(resourcesOf(template));
      } finally {
        await close();
      }
    });
  });
});
