import { ToolWorkers } from '../isolation/tool-workers.js';
import type { Logger } from '../logger.js';
import type { Tracing } from '../observability/tracing.js';
import { notifyResourceUpdated } from '../protocol/resource-updates.js';
import { DEFAULTS, type ServerOptions } from './options.js';

/** Whether a served folder's definitions run in tool workers (`isolation: 'workers'`, the default). */
export const usesToolWorkers = (options: Pick<ServerOptions, 'dir' | 'isolation'>): boolean =>
  Boolean(options.dir) && (options.isolation ?? DEFAULTS.isolation) === 'workers';

/**
 * Where handlers run, as tracing needs to know: in tool workers (a served folder, by default),
 * and in this process (no tool workers, or definitions passed in code, which always run here).
 */
export function handlerPlacement(options: Pick<ServerOptions, 'dir' | 'isolation' | 'definitions'>): { toolWorkers: boolean; handlersInProcess: boolean } {
  const toolWorkers = usesToolWorkers(options);
  return { toolWorkers, handlersInProcess: !toolWorkers || Boolean(options.definitions?.length) };
}

/** Tool workers for a served folder unless `isolation: 'none'`; definitions passed in code stay here. */
export function toolWorkersFor(
  options: Pick<ServerOptions, 'dir' | 'isolation' | 'toolWorkers' | 'toolMemoryMb' | 'loadTimeoutMs'>,
  logger: Logger,
  tracing?: Tracing | null,
): ToolWorkers | undefined {
  if (!usesToolWorkers(options)) return undefined;
  return new ToolWorkers({
    size: options.toolWorkers ?? DEFAULTS.toolWorkers,
    memoryMb: options.toolMemoryMb ?? DEFAULTS.toolMemoryMb,
    loadTimeoutMs: options.loadTimeoutMs ?? DEFAULTS.loadTimeoutMs,
    logger,
    onResourceUpdated: notifyResourceUpdated,
    // The handler's own spans nest under the request's span across the process boundary.
    ...(tracing && { tracing: { module: tracing.workerModule } }),
  });
}
