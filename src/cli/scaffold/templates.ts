import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { InitError } from './init-error.js';

/** Shipped in the package's `files`; from dist/scaffold/ it is two levels up. */
export const TEMPLATES_DIR = fileURLToPath(new URL('../../../templates/', import.meta.url));

export interface Template {
  name: string;
  label: string;
  hint: string;
  dir: string;
}

const KNOWN: Array<Omit<Template, 'dir'>> = [
  { name: 'ts', label: 'TypeScript', hint: 'tools in .ts, tests with vitest' },
  { name: 'js', label: 'JavaScript', hint: 'tools in .js, tests with node:test' },
];

export const DEFAULT_TEMPLATE = 'ts';

export function listTemplates(): Template[] {
  return KNOWN.map((t) => ({ ...t, dir: path.join(TEMPLATES_DIR, t.name) })).filter((t) => existsSync(t.dir));
}

export function findTemplate(name: string): Template {
  const template = listTemplates().find((t) => t.name === name);
  if (!template) {
    const names = listTemplates().map((t) => t.name).join(', ');
    throw new InitError(2, `unknown template "${name}"; pick one of: ${names}`);
  }
  return template;
}
