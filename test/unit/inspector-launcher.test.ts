import { describe, expect, it } from 'vitest';
import { inspectorNpxArgs, nodeIsRecentEnough } from '../../src/cli/commands/inspector-launcher.js';

describe('running the Inspector through npx', () => {
  it.each([
    ['20.20.2', false],
    ['22.18.0', false],
    ['22.19.0', true],
    ['23.0.0', true],
    ['24.21.0', true],
  ])('Node %s is recent enough: %s', (version, ok) => {
    expect(nodeIsRecentEnough(version)).toBe(ok);
  });

  it('fetches Node 24 from the npm registry only when this Node is too old', () => {
    expect(inspectorNpxArgs('20.20.2')).toEqual(['-y', '-p', 'node@24', '-p', '@modelcontextprotocol/inspector@2.12.0', '--', 'mcp-inspector']);
    expect(inspectorNpxArgs('24.0.0')).toEqual(['-y', '-p', '@modelcontextprotocol/inspector@2.12.0', '--', 'mcp-inspector']);
  });
});
