import { taskKey } from '../modern/endpoint.js';
import type { SessionDirectory } from '../protocol/session-directory.js';
import { MemoryTaskStore, type TaskRecord } from '../protocol/tasks/task-store.js';

/**
 * The task store of a `--workers` child without Redis: each worker keeps its own tasks in memory
 * and tells the primary which it keeps, so that a 2026 `tasks/*` request landing on a sibling is
 * relayed here (modern/endpoint.ts), as a retry of a held call is.
 */
export class ClusterTaskStore extends MemoryTaskStore {
  private readonly claims = new Map<string, NodeJS.Timeout>();

  constructor(private readonly directory: Pick<SessionDirectory, 'instanceId' | 'claim' | 'release'>) {
    super(directory.instanceId);
  }

  override async create(record: TaskRecord): Promise<void> {
    await super.create(record);
    this.directory.claim(taskKey(record.taskId), 'http');
    // Released when the record is dropped: past its ttl nobody will find the task anywhere.
    const timer = setTimeout(() => {
      this.claims.delete(record.taskId);
      this.directory.release(taskKey(record.taskId));
    }, record.ttlMs);
    timer.unref();
    this.claims.set(record.taskId, timer);
  }

  override async close(): Promise<void> {
    for (const [taskId, timer] of this.claims) {
      clearTimeout(timer);
      this.directory.release(taskKey(taskId));
    }
    this.claims.clear();
    await super.close();
  }
}
