import { existsSync, readdirSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
/** This running copy of mcp-sse: the package root above dist/cli/scaffold/. */
const OWN_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const TYPES_CONFIG = path.join('.mcp-sse', 'types', 'tsconfig.json');

/**
 * `init --bare`: types for tool files in a folder with no install. Tool files import `mcp-sse`
 * and `zod`, which the server resolves to its own copies; an editor cannot know that. This writes
 * a tsconfig.json (jsconfig.json for a folder of JavaScript) that only `extends` a git-ignored
 * `.mcp-sse/types/tsconfig.json`, whose `paths` point at this mcp-sse's own type files. The
 * absolute, machine-specific paths stay in the ignored file; the config the user keeps does not
 * change when mcp-sse moves (run the command again).
 * Returns the files written, relative to `dir`.
 */
export async function writeBareTypes(dir: string, { force = false } = {}): Promise<string[]> {
  const js = isJavaScriptOnly(dir);
  const configName = js ? 'jsconfig.json' : 'tsconfig.json';
  const config = path.join(dir, configName);
  const written: string[] = [];
  if (existsSync(config) && !force) throw new Error(`${config} exists; add "extends": "./${TYPES_CONFIG}" to it yourself, or pass --force to replace it`);

  const zod = path.dirname(require.resolve('zod/package.json'));
  const stub = {
    // Made by `mcp-sse init --bare`: where this machine's mcp-sse keeps its types. Git-ignored.
    compilerOptions: {
      target: 'ES2022',
      module: 'preserve',
      moduleResolution: 'bundler',
      lib: ['ES2023'],
      strict: true,
      noEmit: true,
      skipLibCheck: true,
      allowJs: true,
      paths: {
        'mcp-sse': [path.join(OWN_ROOT, 'dist/index.d.ts')],
        'mcp-sse/testing': [path.join(OWN_ROOT, 'dist/testing.d.ts')],
        zod: [zod],
        'zod/*': [path.join(zod, '*')],
      },
    },
  };
  await mkdir(path.join(dir, '.mcp-sse', 'types'), { recursive: true });
  await writeFile(path.join(dir, TYPES_CONFIG), `${JSON.stringify(stub, null, 2)}\n`);
  written.push(TYPES_CONFIG);
  const ignore = path.join(dir, '.mcp-sse', '.gitignore');
  if (!existsSync(ignore)) {
    // Everything in .mcp-sse is per machine: these types, the URLs of running servers.
    await writeFile(ignore, '*\n');
    written.push(path.join('.mcp-sse', '.gitignore'));
  }
  const user = { extends: `./${TYPES_CONFIG.split(path.sep).join('/')}`, include: ['**/*'], exclude: ['node_modules', '.mcp-sse'] };
  await writeFile(config, `${JSON.stringify(user, null, 2)}\n`);
  written.push(configName);
  return written.map((f) => f.split(path.sep).join('/'));
}

function isJavaScriptOnly(dir: string): boolean {
  let names: string[];
  try {
    names = readdirSync(dir, { recursive: true }).map(String).filter((n) => !n.includes('node_modules'));
  } catch {
    return false;
  }
  const js = names.some((n) => /\.[cm]?js$/.test(n));
  const ts = names.some((n) => /\.[cm]?ts$/.test(n));
  return js && !ts;
}
