import type { ServerOptions } from '../server/options.js';

/**
 * What `mcp-sse.config.ts` may export (default export): any `serve` option under its library name,
 * plus the folder to serve and the number of workers. Flags and environment variables win over it.
 */
export interface ConfigFile extends Omit<ServerOptions, 'dir' | 'definitions' | 'logger'> {
  /** The folder to serve, relative to the config file; `serve [dir]` wins. */
  dir?: string;
  workers?: number;
}

/** Types a config file: `export default defineConfig({ port: 9000, authenticate: (req) => … })`. */
export function defineConfig(config: ConfigFile): ConfigFile {
  return config;
}
