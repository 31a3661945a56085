import { readFileSync } from 'node:fs';

interface Manifest {
  name?: string;
  scripts?: Record<string, string>;
  version?: string;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
}

const ours: Manifest = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8'));

/**
 * A template's package.json with the project's name and real version ranges. Templates list
 * their dependencies as "*"; each becomes the range mcp-sse itself is built and tested with,
 * so a new project gets versions known to work together (and an offline install finds them).
 */
export function renderManifest(templateText: string, name: string): string {
  const manifest: Manifest = JSON.parse(templateText);
  manifest.name = name;
  // Scripts name the server as the README and .vscode/mcp.json do (`--name {{name}}`).
  for (const [key, script] of Object.entries(manifest.scripts ?? {})) manifest.scripts![key] = script.replaceAll('{{name}}', name);
  for (const field of ['dependencies', 'devDependencies'] as const) {
    const deps = manifest[field];
    if (!deps) continue;
    for (const dep of Object.keys(deps)) deps[dep] = rangeFor(dep) ?? deps[dep]!;
  }
  return `${JSON.stringify(manifest, null, 2)}\n`;
}

/** The range mcp-sse uses for `dep` (`^<own version>` for mcp-sse itself), or undefined. */
export function rangeFor(dep: string): string | undefined {
  if (dep === ours.name) return `^${ours.version}`;
  return ours.dependencies?.[dep] ?? ours.devDependencies?.[dep];
}
