import { parentPort, workerData } from 'node:worker_threads';
import type { FromExportThread, ToExportThread } from './export-thread.js';
import { createExporter, createResource, exporterKind } from './otel-setup.js';
import { fromBatch } from './span-record.js';

/**
 * The span export thread (see ExportThread): the SDK's batch processor and OTLP exporter, fed
 * the spans the server's thread ended. Its environment is the server's OTEL_* settings, so the
 * batch processor reads OTEL_BSP_* and the exporter its endpoint, headers and timeout here.
 */
const { version, taken } = workerData as { version: string; taken: Int32Array };
const port = parentPort!;
const send = (message: FromExportThread) => port.postMessage(message);

try {
  const [{ BatchSpanProcessor }, exporter, resource] = await Promise.all([
    import('@opentelemetry/sdk-trace-node'),
    createExporter(exporterKind(process.env)),
    createResource(version),
  ]);
  const processor = new BatchSpanProcessor(exporter);
  port.on('message', (message: ToExportThread) => {
    if (message.t === 'spans') {
      for (const span of fromBatch(message, resource)) processor.onEnd(span);
      Atomics.add(taken, 0, message.spans.length);
      return;
    }
    // A failed export is the exporter's to report; a flush or a shutdown is done either way.
    const done = () => send({ t: 'done', id: message.id });
    void (message.t === 'flush' ? processor.forceFlush() : processor.shutdown()).then(done, done);
  });
  send({ t: 'ready' });
} catch (error) {
  send({ t: 'failed', message: (error as Error).message });
}
