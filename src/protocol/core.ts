import type { Logger } from '../logger.js';
import { createMethods, type ServerInfo } from './mcp-methods.js';
import { Registry } from './registry.js';
import { onResourceUpdated } from './resource-updates.js';
import type { SessionDirectory } from './session-directory.js';
import type { MethodTable } from './session.js';
import { SessionHub } from './session-hub.js';
import { legacyTask, withTasks } from './tasks/task-methods.js';
import { MemoryTaskStore, type TaskStore } from './tasks/task-store.js';
import { DEFAULT_TASK_SETTINGS, Tasks, type TaskSettings } from './tasks/tasks.js';

export interface Core {
  registry: Registry;
  hub: SessionHub;
  /** Tasks of both eras; the 2026 entry turns its task tools' calls into them. */
  tasks: Tasks;
  onError(error: unknown, where: string): void;
  /** Every resource update this instance delivers, for subscribers outside the hub (2026-era streams). */
  onResourceUpdate(listener: (uri: string) => void): () => void;
  stop(): Promise<void>;
}

/**
 * The transport-free heart shared by the HTTP server and the in-memory test client: one registry,
 * the sessions reading it, and the wiring that turns registry changes into notifications.
 */
export function createCore(options: {
  info: ServerInfo;
  logger: Logger;
  maxSessions: number;
  maxSessionsPerClient?: number;
  sessionTimeoutMs: number;
  directory?: SessionDirectory;
  /** Wraps the method table once for every transport (the request log, metrics, traces). */
  instrument?: (methods: MethodTable, registry: Registry) => MethodTable;
  /** Where in the user's files a tool's error was thrown, and its stack mapped there. */
  locateToolError?: (tool: string, error: unknown) => { where?: string; stack?: string } | undefined;
  /** Where task records live: this process by default, Redis under --redis. */
  taskStore?: TaskStore;
  taskSettings?: Partial<TaskSettings>;
}): Core {
  const { logger } = options;
  const registry = new Registry();
  const withStack = (error: unknown) => {
    if (logger.level === 'debug' && (error as Error)?.stack) logger.raw((error as Error).stack!);
  };
  const onError = (error: unknown, where: string) => {
    logger.error(`${where}: ${(error as Error)?.message ?? error}`);
    withStack(error);
  };
  const updateListeners = new Set<(uri: string) => void>();
  const deliver = (uri: string) => {
    hub.notifyResourceUpdated(uri);
    for (const listener of updateListeners) listener(uri);
  };
  const store = options.taskStore ?? new MemoryTaskStore(options.directory?.instanceId ?? 'local');
  const tasks = new Tasks(store, options.directory?.instanceId ?? 'local', { ...DEFAULT_TASK_SETTINGS, ...options.taskSettings }, onError);
  const base = createMethods({
    registry,
    info: options.info,
    notifyResourceUpdated: (uri) => {
      deliver(uri);
      options.directory?.broadcastResourceUpdate(uri);
    },
    onToolError: (tool, error) => {
      const located = options.locateToolError?.(tool, error);
      const message = (error as Error)?.message ?? String(error);
      if (!located?.where) {
        logger.warn(`${tool} failed: ${message}`, { tool });
        withStack(error);
        return;
      }
      // The headline names the tool file's own line; the mapped stack follows (a field in json).
      logger.warn(`${tool} failed at ${located.where}: ${message}`, { tool, where: located.where, stack: located.stack });
      if (located.stack && logger.format !== 'json') logger.raw(located.stack.split('\n').slice(1).join('\n'));
    },
  });
  // A 2025 task's run is a tools/call of its own, outliving the request that made it: logged, counted and traced as one.
  const runTool = options.instrument ? options.instrument({ 'tools/call': base['tools/call'] }, registry)['tools/call'] : undefined;
  const methods = withTasks(base, { tasks, registry, onError, runTool });
  const hub: SessionHub = new SessionHub({
    methods: options.instrument ? options.instrument(methods, registry) : methods,
    maxSessions: options.maxSessions,
    maxSessionsPerClient: options.maxSessionsPerClient,
    sessionTimeoutMs: options.sessionTimeoutMs,
    onError,
    directory: options.directory,
  });
  registry.on('change', (changes) => hub.broadcastListChanges(changes));
  // A 2025 session that made a task hears of each change (2026 clients watch through listen streams).
  tasks.onChange((record) => {
    const session = record.era === '2025' && record.sessionId !== undefined ? hub.get(record.sessionId) : undefined;
    if (session && !session.isClosed) session.notify('notifications/tasks/status', legacyTask(record)).catch(() => undefined);
  });
  // A rebuilt view reached this instance's own subscribers; other instances watch their own folders.
  registry.on('updated', deliver);
  const stopUpdates = onResourceUpdated((uri) => {
    deliver(uri);
    options.directory?.broadcastResourceUpdate(uri);
  });
  // Updates published by other instances reach this instance's subscribers.
  options.directory?.onResourceUpdate(deliver);
  return {
    registry,
    hub,
    tasks,
    onError,
    onResourceUpdate(listener) {
      updateListeners.add(listener);
      return () => updateListeners.delete(listener);
    },
    async stop() {
      stopUpdates();
      await tasks.close();
      await hub.closeAll();
      await store.close();
    },
  };
}
