import { describe, expect, it } from 'vitest';
import { runToEnd } from '../helpers/cli.js';

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
