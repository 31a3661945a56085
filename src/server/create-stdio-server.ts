import path from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { DefinitionFolder } from '../files/definition-folder.js';
import { Observability } from './observability.js';
import { handlerPlacement, toolWorkersFor } from './tool-runner.js';
import { loadInline } from '../files/inline.js';
import { FolderWatcher } from '../files/watch.js';
import { createLogger } from '../logger.js';
import { createCore } from '../protocol/core.js';
import type { ServerInfo } from '../protocol/mcp-methods.js';
import type { Registry } from '../protocol/registry.js';
import type { SessionHub } from '../protocol/session-hub.js';
import { AbortReason } from '../protocol/session.js';
import { claimStdout } from '../stdio/protocol-stdout.js';
import { createStdioEndpoint } from '../stdio/stdio-endpoint.js';
import { packageVersion } from '../version.js';
import { DEFAULTS, taskSettingsOf, type ServerOptions } from './options.js';

/** What a stdio server takes: everything of `ServerOptions` that means something without HTTP. */
export type StdioServerOptions = Pick<ServerOptions, 'dir' | 'definitions' | 'watch' | 'name' | 'version' | 'instructions' | 'logLevel' | 'logFormat' | 'logger' | 'shutdownTimeoutMs' | 'isolation' | 'toolWorkers' | 'toolMemoryMb' | 'loadTimeoutMs' | 'maxTasks' | 'taskTtlMs'> & {
  /** Where requests come from (default: process.stdin). */
  input?: Readable;
  /** Where JSON-RPC goes (default: fd 1, whose other writers are sent to stderr while the server runs). */
  output?: Writable;
};

export interface McpSseStdioServer {
  info: ServerInfo;
  registry: Registry;
  hub: SessionHub;
  folder?: DefinitionFolder;
  startup: { files: number; ms: number };
  /** Resolves when the client closed the input (stdin reached end-of-file). */
  inputClosed: Promise<void>;
  close(): Promise<void>;
}

// A stdio process is one client for its whole life: never reap its session for idleness.
const NEVER = 2 ** 31 - 1;

/** Serves a folder (or definitions) over stdin/stdout, both protocol eras, with hot reload. */
export async function createStdioServer(options: StdioServerOptions = {}): Promise<McpSseStdioServer> {
  const logger = options.logger ?? createLogger({ level: options.logLevel, format: options.logFormat });
  const info: ServerInfo = {
    name: options.name ?? (options.dir ? path.basename(path.resolve(options.dir)) : 'mcp-sse'),
    version: options.version ?? packageVersion,
    instructions: options.instructions,
  };
  // The request log (on stderr, with the rest of the log) and traces, as over HTTP; there is no
  // /metrics to serve here, so no metrics are kept.
  const observability = await Observability.start(logger, packageVersion, handlerPlacement(options));
  // Before any tool file runs: a console.log at a file's top level must not reach the client either.
  const claimed = options.output ? undefined : claimStdout();
  const { registry, hub, tasks, onError, onResourceUpdate, stop } = createCore({
    instrument: observability.instrument,
    locateToolError: observability.locator(() => registry),
    info,
    logger,
    maxSessions: 1,
    sessionTimeoutMs: NEVER,
    taskSettings: taskSettingsOf(options),
  });
  const started = performance.now();
  let folder: DefinitionFolder | undefined;
  let watcher: FolderWatcher | undefined;
  let files = 0;
  const toolWorkers = toolWorkersFor(options, logger, observability.tracing);
  if (options.dir) {
    folder = new DefinitionFolder(path.resolve(options.dir), registry, logger, toolWorkers);
    files = (await folder.loadAll()).files.length;
    if (options.watch !== false) {
      watcher = new FolderWatcher(folder, registry);
      await watcher.start();
    }
  }
  if (options.definitions) registry.apply([await loadInline(options.definitions)]);

  const input = options.input ?? process.stdin;
  const inputClosed = new Promise<void>((resolve) => {
    input.once('end', resolve);
    input.once('close', resolve);
  });
  // Messages are read only from here on, so nothing is answered before the first load finished.
  const endpoint = createStdioEndpoint({
    hub,
    info,
    watching: Boolean(options.dir) && options.watch !== false,
    input,
    output: options.output ?? claimed!.protocol,
    onError,
    tasks,
    taskOf: (tool) => registry.tools.get(tool)?.task,
  });
  registry.on('change', (changes) => endpoint.listChanged(changes));
  const stopUpdates = onResourceUpdate((uri) => endpoint.resourceUpdated(uri));

  let closing: Promise<void> | undefined;
  async function close(): Promise<void> {
    closing ??= (async () => {
      await watcher?.close();
      const settle = async (until: number) => {
        while (endpoint.running > 0 && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 20));
      };
      await settle(Date.now() + (options.shutdownTimeoutMs ?? DEFAULTS.shutdownTimeoutMs));
      const reason = new AbortReason('disconnected', 'the server is shutting down');
      for (const session of hub.sessions.values()) for (const call of session.inflight.values()) call.abort(reason);
      await settle(Date.now() + 1000);
      stopUpdates();
      await endpoint.close();
      await stop();
      await toolWorkers?.close();
      await observability.close();
      claimed?.release();
    })();
    return closing;
  }

  return { info, registry, hub, folder, startup: { files, ms: performance.now() - started }, inputClosed, close };
}
