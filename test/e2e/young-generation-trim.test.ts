import { spawn } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { pathToFileURL } from 'node:url';
import { expect, it } from 'vitest';
import { ROOT } from '../helpers/cli.js';

// In a child process of its own, so no other test's allocations move V8's allocation rate: grow
// the young generation the way a burst of reloads does, schedule the trim as a reload would, and
// wait for V8 to report it shrunk back.
const CHILD = `
  import v8 from 'node:v8';
  import { YoungGenerationTrim } from ${JSON.stringify(pathToFileURL(path.join(ROOT, 'dist/files/young-generation-trim.js')).href)};
  const youngMb = () => v8.getHeapSpaceStatistics().find((s) => s.space_name === 'new_space').space_size / 2 ** 20;
  let kept = [];
  for (let round = 0; round < 300; round++) {
    kept.push(Array.from({ length: 20000 }, (_, i) => ({ i, s: 'x' + i })));
    if (kept.length > 20) kept.shift();
  }
  kept = null;
  console.log('grown ' + youngMb());
  new YoungGenerationTrim().schedule();
  const poll = setInterval(() => {
    if (youngMb() > 4) return;
    clearInterval(poll);
    console.log('trimmed ' + youngMb() + ' gc-global ' + typeof globalThis.gc);
  }, 500);
`;

it('gives back the young generation a burst grew, once the burst is over', async () => {
  const child = spawn(process.execPath, ['--input-type=module', '-e', CHILD], { stdio: ['ignore', 'pipe', 'inherit'] });
  const lines: string[] = [];
  const trimmed = new Promise<void>((resolve) => {
    createInterface({ input: child.stdout }).on('line', (line) => {
      lines.push(line);
      if (line.startsWith('trimmed')) resolve();
    });
  });
  try {
    await trimmed;
  } finally {
    child.kill();
  }
  expect(Number(lines[0].split(' ')[1])).toBeGreaterThan(4);
  // User code does not inherit a global `gc` from how the trim gets hold of one.
  expect(lines.at(-1)).toMatch(/^trimmed [\d.]+ gc-global undefined$/);
}, 40_000);
