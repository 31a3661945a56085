import { existsSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { compileFile, frameForRuntimeError } from '../files/compile.js';
import { LoadError } from '../definitions/file-load.js';
import type { ConfigFile } from './define-config.js';
import { evaluateModule } from '../files/evaluate.js';

export const CONFIG_NAMES = ['mcp-sse.config.ts', 'mcp-sse.config.mts', 'mcp-sse.config.js', 'mcp-sse.config.mjs', 'mcp-sse.config.cjs'];

const count = (min: number) => z.number().int().min(min);
const strings = z.array(z.string());
const fn = z.custom<(...args: never[]) => unknown>((v) => typeof v === 'function', 'must be a function');

/** Every key a config file may set; anything else is a mistake worth naming (a typo, an old name). */
const configShape = z.strictObject({
  dir: z.string(),
  port: count(0).max(65535),
  host: z.string(),
  watch: z.boolean(),
  name: z.string(),
  version: z.string(),
  instructions: z.string(),
  logLevel: z.enum(['debug', 'info', 'warn', 'error', 'silent']),
  logFormat: z.enum(['pretty', 'json']),
  authToken: z.string(),
  allowedOrigins: strings,
  allowedHosts: strings,
  cors: z.boolean(),
  basePath: z.string(),
  publicUrl: z.url(),
  trustProxy: z.boolean(),
  keepaliveMs: count(0),
  maxSessions: count(1),
  maxSessionsPerClient: count(0),
  maxTasks: count(1),
  taskTtlMs: count(1),
  sessionTimeoutMs: count(1),
  maxBodyBytes: count(1),
  bodyTimeoutMs: count(1),
  maxBufferedBytes: count(1),
  shutdownTimeoutMs: count(0),
  writeTimeoutMs: count(1),
  resumeWindowMs: count(0),
  oauth: z.strictObject({
    issuer: z.url(),
    audiences: strings.optional(),
    jwksUrl: z.url().optional(),
    algorithms: strings.optional(),
    scopes: strings.optional(),
    resource: z.url().optional(),
  }),
  authenticate: fn,
  redis: z.string(),
  relayUrl: z.url(),
  workers: count(1),
  isolation: z.enum(['workers', 'none']),
  toolWorkers: count(1),
  toolMemoryMb: count(16),
  loadTimeoutMs: count(1),
}).partial();

export interface LoadedConfig {
  file: string;
  config: ConfigFile;
}

/**
 * The config file of the project a served folder belongs to: the nearest `mcp-sse.config.*` in the
 * folder or above it. A config file runs code with the server's rights, so the search never leaves
 * what the user plainly owns: it stops at the nearest of the project root (a folder with a
 * package.json), the working directory and the home folder, and at any folder (or file) owned by
 * another user. With none of those above the folder (a folder under /tmp, say), only the folder
 * itself is searched: a `/tmp/mcp-sse.config.js` must never run for everyone serving from /tmp.
 */
export function findConfigFile(startDir: string, stops: { cwd?: string; home?: string } = {}): string | undefined {
  const start = path.resolve(startDir);
  const boundaries = new Set([stops.cwd ?? process.cwd(), stops.home ?? os.homedir()].filter(Boolean).map((d) => path.resolve(d)));
  const uid = process.getuid?.();
  const ownedByUs = (file: string) => {
    try {
      return uid === undefined || statSync(file).uid === uid;
    } catch {
      return false;
    }
  };
  const ancestors: string[] = [];
  for (let dir = start; ; dir = path.dirname(dir)) {
    ancestors.push(dir);
    if (boundaries.has(dir) || existsSync(path.join(dir, 'package.json')) || path.dirname(dir) === dir) break;
  }
  const last = ancestors.at(-1)!;
  const bounded = boundaries.has(last) || existsSync(path.join(last, 'package.json'));
  for (const dir of bounded ? ancestors : [start]) {
    if (!existsSync(dir)) continue; // `serve` with no folder yet: its parents still count
    if (!ownedByUs(dir)) return undefined;
    for (const name of CONFIG_NAMES) {
      const candidate = path.join(dir, name);
      if (existsSync(candidate)) return ownedByUs(candidate) ? candidate : undefined;
    }
  }
  return undefined;
}

function describe(error: z.ZodError): string {
  return error.issues
    .map((issue) => {
      if (issue.code === 'unrecognized_keys') return `unknown option${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${[...issue.path, k].join('.')}"`).join(', ')}`;
      return `${issue.path.join('.') || 'the default export'}: ${issue.message}`;
    })
    .join('; ');
}

/** Compiles and evaluates a config file like a tool file; a bad one is a LoadError naming the file. */
export async function loadConfigFile(file: string): Promise<LoadedConfig> {
  const { code } = await compileFile(file, path.dirname(file));
  let exports: Record<string, unknown>;
  try {
    exports = evaluateModule(code, file);
  } catch (error) {
    throw await frameForRuntimeError(error, file, code);
  }
  const value = (exports.default ?? exports) as unknown;
  const parsed = configShape.safeParse(value);
  if (!parsed.success) throw new LoadError(describe(parsed.error));
  const config = parsed.data as ConfigFile;
  if (config.dir !== undefined) config.dir = path.resolve(path.dirname(file), config.dir);
  return { file, config };
}
