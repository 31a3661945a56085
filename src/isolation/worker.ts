import { AsyncLocalStorage } from 'node:async_hooks';
import { audio, image, resource, resourceLink, text } from '../definitions/content.js';
import { definePrompt, defineResource, defineTool, isToolError, ToolError } from '../definitions/define.js';
import type { LoadedDefinition, LoadedPrompt, LoadedResource, LoadedTool } from '../definitions/definitions.js';
import { toCallToolResult, toGetPromptResult, toReadResourceResult } from '../definitions/results.js';
import { evaluateModule, provideToolApi } from '../files/evaluate.js';
import { defineFromExports } from '../files/define-exports.js';
import { describeThrown } from '../logger.js';
import { notifyResourceUpdated, onResourceUpdated } from '../protocol/resource-updates.js';
import { AbortReason, RequestAbort } from '../protocol/request-abort.js';
import type { Descriptor, FromWorker, Target, Thrown, ToWorker, WorkerTracing } from './messages.js';
import { fromThrown, toThrown } from './messages.js';
import { workerContext, type OpChannel } from './worker-context.js';
import { Outbox } from './outbox.js';
import { tuneHeapForRequests } from '../heap-tuning.js';

tuneHeapForRequests();

/**
 * A tool worker (a child process of the server): loads the files the server assigns to it and runs their handlers, readers,
 * getters and completers. If tool code spins, exits or runs out of memory, only this thread is
 * lost; the server's thread (sessions, transports, registry) is never blocked by it.
 */
// What goes to the server leaves once per turn, together (see Outbox).
const outbox = new Outbox<FromWorker>(deliver);
const send = (message: FromWorker) => outbox.push(message);
function deliver(batch: FromWorker[]): void {
  if (!process.connected) return;
  try {
    process.send!(batch);
  } catch (error) {
    // One message JSON cannot carry (a BigInt in a result, say) fails only its own call or op.
    if (batch.length > 1) return batch.forEach((message) => deliver([message]));
    const [message] = batch;
    if (message?.t === 'done') deliver([{ t: 'done', id: message.id, ok: false, error: toThrown(error, isToolError) }]);
    else if (message?.t === 'loaded') deliver([{ t: 'loaded', id: message.id, ok: false, error: { message: `its definitions cannot be sent to the server: ${describeThrown(error)}` } }]);
    else if (message?.t === 'ops') for (const { op } of message.ops) settleOp(op, false, toThrown(error, isToolError));
  }
}
// Tool code that calls process.exit: the answers of other calls already made still go out.
process.on('exit', () => outbox.flush());
// When the server traces, it names the module that traces this worker's calls; otherwise no
// OpenTelemetry is loaded here at all. A worker whose tracing fails to start says so and runs untraced.
const tracingModule = process.argv[2];
const tracing: Promise<WorkerTracing | undefined> | undefined = tracingModule
  ? import(tracingModule)
      .then((m: { startWorkerTracing(): Promise<WorkerTracing> }) => m.startWorkerTracing())
      .catch((error: unknown) => void send({ t: 'stray', what: 'tracing in a tool worker failed to start', text: describeThrown(error) }))
  : undefined;

// The server is gone (killed, or closing): a worker has nothing left to do but send its spans.
process.on('disconnect', () => {
  if (!tracing) process.exit(0);
  const flushed = tracing.then((t) => t?.flush()).catch(() => undefined);
  void Promise.race([flushed, new Promise((resolve) => setTimeout(resolve, 1000).unref())]).then(() => process.exit(0));
});

// Stacks of tool code point at the tool's own lines (esbuild's inline source maps).
process.setSourceMapsEnabled(true);

// The API tool files import as `mcp-sse`, with the same names as the library's. A server cannot
// be started from inside a tool worker.
provideToolApi({
  defineTool,
  defineResource,
  definePrompt,
  ToolError,
  text,
  image,
  audio,
  resource,
  resourceLink,
  notifyResourceUpdated,
  defineConfig: <T>(config: T) => config,
  createServer: () => {
    throw new Error('createServer() cannot be called from tool code');
  },
});
onResourceUpdated((uri) => send({ t: 'resourceUpdated', uri }));

// The worker's own last resort, as the server's: a stray throw costs a log line, not the thread.
const stray = (what: string) => (thrown: unknown) => send({ t: 'stray', what, text: describeThrown(thrown) });
process.on('uncaughtException', stray('uncaught exception'));
process.on('unhandledRejection', stray('unhandled rejection'));

const versions = new Map<number, Map<string, LoadedDefinition>>();
const running = new Map<number, RequestAbort>();
const pendingOps = new Map<number, { resolve(value: unknown): void; reject(error: Error): void }>();
let nextOp = 1;
/** Which tool a stray error or an exit came from. */
const currentCall = new AsyncLocalStorage<string>();

// A handler may log after its call answered (a timer it left): its call's real ctx must live on
// in the server's thread exactly as long as the worker's copy can still be used.
const contexts = new FinalizationRegistry<number>((call) => send({ t: 'ctxGone', call }));

let batch: Extract<FromWorker, { t: 'ops' }>['ops'] | undefined;
function queue(op: NonNullable<typeof batch>[number]): void {
  if (!batch) {
    batch = [];
    queueMicrotask(() => {
      const ops = batch!;
      batch = undefined;
      send({ t: 'ops', ops });
    });
  }
  batch.push(op);
}

const channel: OpChannel = {
  request(call, name, args) {
    const op = nextOp++;
    return new Promise((resolve, reject) => {
      pendingOps.set(op, { resolve, reject });
      queue({ op, call, name, args });
    });
  },
  post(call, name, args) {
    queue({ op: 0, call, name, args });
  },
};

function describe(def: LoadedDefinition): Descriptor {
  const common = { key: def.key, name: def.name, file: def.file };
  if (def.kind === 'tool') {
    return { ...common, kind: 'tool', entry: def.entry, inputSchema: def.input.jsonSchema, paramHeaders: def.paramHeaders, timeoutMs: def.timeoutMs, scopes: def.scopes, ...(def.ui && { ui: def.ui }), ...(def.task && { task: def.task }) };
  }
  if (def.kind === 'resource') {
    const uriTemplate = 'uriTemplate' in def.entry ? def.entry.uriTemplate : undefined;
    return { ...common, kind: 'resource', entry: def.entry, mimeType: def.mimeType, uriTemplate, hasList: Boolean(def.list), completers: Object.keys(def.complete) };
  }
  return { ...common, kind: 'prompt', entry: def.entry, argsSchema: def.args.jsonSchema, fields: def.args.fields(), completers: Object.keys(def.complete) };
}

async function load(message: Extract<ToWorker, { t: 'load' }>): Promise<void> {
  const { id, version, file, relative, root, code } = message;
  send({ t: 'loading', id });
  // Now, not at the end of the turn: top-level code that never ends must not hold back its own
  // load timer (which starts at 'loading') or the answers of calls that finished before it.
  outbox.flush();
  let exports: Record<string, unknown>;
  try {
    exports = currentCall.run(relative, () => evaluateModule(code, file));
  } catch (error) {
    // esbuild (for the code frame) is loaded only when a file fails: workers start faster without it.
    const { loadFailure } = await import('../files/load-failure.js');
    const framed = await loadFailure(error, file, code, root);
    return send({ t: 'loaded', id, ok: false, error: { message: framed.message, location: framed.location, frame: framed.frame } });
  }
  const outcome = defineFromExports(exports, file, relative);
  if (!outcome.ok) return send({ t: 'loaded', id, ok: false, error: { message: outcome.error.message } });
  versions.set(version, new Map(outcome.definitions.map((def) => [`${def.kind}:${def.key}`, def])));
  send({ t: 'loaded', id, ok: true, descriptors: outcome.definitions.map(describe) });
}

/** Runs one function of a definition; what it returns is shaped here, where its schemas are. */
async function invoke(def: LoadedDefinition, target: Target, args: unknown[], ctx: ReturnType<typeof workerContext>): Promise<FromWorker> {
  const id = ctx.callId;
  if (target.fn === 'handler') {
    const tool = def as LoadedTool;
    const checked = tool.input.validate(args[0] ?? {});
    if (!checked.ok) return { t: 'done', id, ok: 'invalid', message: checked.message };
    return { t: 'done', id, ok: true, value: toCallToolResult(await tool.handler(checked.value, ctx.context), tool) };
  }
  if (target.fn === 'get') {
    const prompt = def as LoadedPrompt;
    const checked = prompt.args.validate(args[0] ?? {});
    if (!checked.ok) return { t: 'done', id, ok: 'invalid', message: checked.message };
    return { t: 'done', id, ok: true, value: toGetPromptResult(await prompt.get(checked.value, ctx.context), prompt) };
  }
  if (target.fn === 'read') {
    const res = def as LoadedResource;
    const [uri, vars] = args as [string, Record<string, string>];
    return { t: 'done', id, ok: true, value: toReadResourceResult(await res.read(uri, vars, ctx.context), uri, res) };
  }
  if (target.fn === 'list') return { t: 'done', id, ok: true, value: await (def as LoadedResource).list!(ctx.context) };
  const completers = (def as LoadedResource | LoadedPrompt).complete;
  const extra = args[1] as Record<string, unknown>;
  return { t: 'done', id, ok: true, value: await completers[target.completer!]!(String(args[0] ?? ''), { ...ctx.context, ...extra }) };
}

async function call(message: Extract<ToWorker, { t: 'call' }>): Promise<void> {
  const { id, target, args } = message;
  const def = versions.get(target.version)?.get(`${target.kind}:${target.key}`);
  if (!def) return send({ t: 'done', id, ok: false, error: { message: `${target.kind} ${target.key} is not loaded in this tool worker` } });
  // Its AbortSignal is made only if the handler reads ctx.signal, as in the server's process.
  const abort = new RequestAbort();
  running.set(id, abort);
  const ctx = workerContext(id, message.ctx, abort, channel);
  contexts.register(ctx.context, id);
  const traced = tracing && (await tracing);
  try {
    const run = () => currentCall.run(def.name, () => invoke(def, target, args, ctx));
    send(await (traced ? traced.run(message.trace, run) : run()));
  } catch (error) {
    try {
      send({ t: 'done', id, ok: false, error: toThrown(error, isToolError) });
    } catch {
      send({ t: 'done', id, ok: false, error: { message: describeThrown(error) } });
    }
  } finally {
    running.delete(id);
  }
}

function settleOp(op: number, ok: boolean, value: unknown): void {
  const pending = pendingOps.get(op);
  pendingOps.delete(op);
  if (ok) pending?.resolve(value);
  else pending?.reject(fromThrown(value as Thrown));
}

process.on('message', (batch: ToWorker[]) => {
  for (const message of batch) receive(message);
});

function receive(message: ToWorker): void {
  switch (message.t) {
    case 'load':
      return void load(message);
    case 'drop':
      return void versions.delete(message.version);
    case 'call':
      return void call(message).catch((error) => send({ t: 'done', id: message.id, ok: false, error: { message: describeThrown(error) } }));
    case 'abort':
      return running.get(message.id)?.abort(new AbortReason(message.kind, message.message));
    case 'opReply':
      return settleOp(message.op, message.ok, message.ok ? message.value : message.error);
    case 'ping':
      return send({ t: 'pong', id: message.id });
  }
}
