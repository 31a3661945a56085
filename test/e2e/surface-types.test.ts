import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ROOT } from '../helpers/cli.js';
import { removeDir, tempDir } from '../helpers/temp.js';

// Definition files are written against the published types: the examples and the typing of
// template variables must hold for an editor, not just at runtime.
let dir: string;

beforeAll(async () => {
  dir = await tempDir({
    'tsconfig.json': JSON.stringify({
      compilerOptions: {
        target: 'ES2022',
        module: 'NodeNext',
        moduleResolution: 'NodeNext',
        strict: true,
        noEmit: true,
        skipLibCheck: true,
        types: ['node'],
        typeRoots: [path.join(ROOT, 'node_modules/@types')],
        baseUrl: ROOT,
        paths: { 'mcp-sse': [path.join(ROOT, 'dist/index.d.ts')], zod: [path.join(ROOT, 'node_modules/zod')] },
      },
      include: [path.join(ROOT, 'examples/everything/**/*.ts'), 'vars.ts'],
    }),
    'package.json': '{ "type": "module" }',
    'vars.ts': `
      import { defineResource } from 'mcp-sse';
      export const typed = defineResource({
        uriTemplate: 'users://{id}/posts{?page,sort}{/path*}', name: 'typed',
        read: (_uri, { id, page, sort, path }) => [id, page, sort, path].join(),
        complete: { id: () => [], page: (value, ctx) => [value, ctx.arguments.id ?? ''] },
      });
      export const plain = defineResource({ uri: 'a://b', name: 'plain', read: (uri) => uri });
      // @ts-expect-error: not a variable of the template
      export const wrong = defineResource({ uriTemplate: 'u://{id}', name: 'wrong', read: (_uri, { nope }) => nope });
    `,
  });
});

afterAll(async () => {
  if (dir) await removeDir(dir);
});

it('type-checks examples/everything and template variables against the published types', async () => {
  const tsc = path.join(ROOT, 'node_modules/typescript/bin/tsc');
  const result = await promisify(execFile)(process.execPath, [tsc, '-p', path.join(dir, 'tsconfig.json')], { cwd: dir }).then(
    () => ({ code: 0, output: '' }),
    (error: { code?: number; stdout?: string; stderr?: string }) => ({ code: error.code, output: `${error.stdout}${error.stderr}` }),
  );
  expect(result.output).toBe('');
  expect(result.code).toBe(0);
});
