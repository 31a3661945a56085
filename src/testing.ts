import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import type { ClientCapabilities } from '@modelcontextprotocol/sdk/types.js';
import { createCore } from './protocol/core.js';
import { DefinitionFolder } from './files/definition-folder.js';
import { createLogger } from './logger.js';
import { loadInline } from './files/inline.js';
import { provideToolApi } from './files/evaluate.js';
import * as api from './public-api.js';

// A test may load a folder before anything else of mcp-sse was imported.
provideToolApi(api);

export interface TestClient extends Client {
  /** Load errors, if the folder had any: a test can assert there are none. */
  loadErrors: Array<{ file: string; message: string }>;
  close(): Promise<void>;
}

/**
 * A connected SDK client talking in memory to the same protocol code `serve` runs, for unit
 * tests of tools: `const client = await createTestClient('./tools'); await client.callTool(...)`.
 */
export async function createTestClient(
  source: string | unknown[],
  options: { capabilities?: ClientCapabilities; name?: string } = {},
): Promise<TestClient> {
  const logger = createLogger({ level: 'silent' });
  const core = createCore({
    info: { name: options.name ?? 'mcp-sse-test', version: '0.0.0' },
    logger,
    maxSessions: 1,
    sessionTimeoutMs: 24 * 60 * 60_000,
  });
  if (typeof source === 'string') {
    await new DefinitionFolder(path.resolve(source), core.registry, logger).loadAll();
  } else {
    core.registry.apply([await loadInline(source)]);
  }
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  const session = core.hub.create(randomUUID(), 'memory', serverSide);
  core.hub.register(session);
  await serverSide.start();
  const client = new Client({ name: 'mcp-sse-test-client', version: '0.0.0' }, { capabilities: options.capabilities ?? {} }) as TestClient;
  await client.connect(clientSide);
  client.loadErrors = core.registry.errors.map(({ file, message }) => ({ file, message }));
  const closeClient = client.close.bind(client);
  client.close = async () => {
    await closeClient();
    await core.stop();
  };
  return client;
}
