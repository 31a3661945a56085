import { Command, Option } from 'commander';
import open from 'open';
import { collectHeader, endpointOrExit, parseTransport, type Endpoint, type TransportName } from './endpoint.js';
import { startInspector, type RunningInspector } from './inspector-launcher.js';

interface InspectOptions {
  transport?: TransportName;
  authToken?: string;
  header?: Record<string, string>;
  open: boolean;
  verbose?: boolean;
}

export function inspectCommand(): Command {
  return new Command('inspect')
    .description('start the MCP Inspector web UI already connected to a server (default: the one `serve` runs from this folder)')
    .argument('[url]', 'server URL, …/sse or …/mcp (default: the server `serve` runs from this folder, else http://127.0.0.1:8000)')
    .addOption(new Option('-t, --transport <transport>', 'sse or http (default: from the URL path, else sse)').argParser(parseTransport))
    .addOption(new Option('--auth-token <token>', 'send Authorization: Bearer <token> to the server').env('MCP_SSE_AUTH_TOKEN'))
    .option('--header <header>', "extra request header 'Name: value' (repeatable)", collectHeader)
    .option('--no-open', 'print the link without opening a browser')
    .option('--verbose', "show the Inspector's own output")
    .addHelpText('after', '\nExamples:\n  $ mcp-sse inspect\n  $ mcp-sse inspect http://127.0.0.1:8000 --transport http\n  $ mcp-sse inspect https://tools.example.com/sse --auth-token "$TOKEN" --no-open')
    .action(async function (this: Command, url: string | undefined, opts: InspectOptions) {
      const endpoint = endpointOrExit(this, url, opts.transport);
      if (!(await answers(endpoint.url))) {
        process.stderr.write(`warning: nothing answers at ${endpoint.url} yet; once it does, press Connect in the Inspector\n`);
      }
      process.stderr.write(`starting the MCP Inspector for ${endpoint.url} (the first run downloads it)…\n`);
      let inspector: RunningInspector | undefined;
      // Until it is up, exiting is enough: the launcher kills the Inspector's group on exit.
      let stopping = false;
      const stop = () => {
        stopping = true;
        void (inspector?.stop() ?? Promise.resolve()).then(() => process.exit(0));
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      inspector = await launchInspector(endpoint, opts, (line) => process.stdout.write(`${line}\n`));
      const code = await inspector.exited;
      if (stopping) return;
      process.stderr.write(`the MCP Inspector exited${code ? ` with code ${code}` : ''}\n`);
      process.exit(code ? 1 : 0);
    });
}

/** Starts the Inspector for `endpoint`, prints the link, and opens it when a person is watching. */
export async function launchInspector(
  endpoint: Endpoint,
  opts: { authToken?: string; header?: Record<string, string>; open?: boolean; verbose?: boolean },
  print: (line: string) => void,
): Promise<RunningInspector> {
  const headers = { ...opts.header, ...(opts.authToken ? { Authorization: `Bearer ${opts.authToken}` } : {}) };
  const inspector = await startInspector({ endpoint, headers, onOutput: opts.verbose ? (text) => process.stderr.write(text) : undefined });
  print(`MCP Inspector    ${inspector.link}`);
  if (opts.open !== false && process.stdout.isTTY) {
    // No browser (a server, a container) must not cost the Inspector; the link is printed.
    await open(inspector.link).then((browser) => browser.once('error', () => {}), () => {});
  }
  return inspector;
}

/** `serve --inspect`: the Inspector lives as long as the server; failing to start it costs a warning only. */
export async function inspectServedServer(
  server: { sseUrl: string },
  opts: { authToken?: string },
  logger: { raw(text: string): void; warn(message: string): void },
): Promise<RunningInspector | undefined> {
  try {
    const inspector = await launchInspector({ url: server.sseUrl, transport: 'sse' }, { authToken: opts.authToken }, (line) => logger.raw(`  ${line}`));
    void inspector.exited.then((code) => code !== null && code !== 0 && logger.warn(`the MCP Inspector exited with code ${code}; the server keeps running`));
    return inspector;
  } catch (error) {
    logger.warn((error as Error).message);
    return undefined;
  }
}

/** Whether any HTTP server answers at the URL's origin (the Inspector itself only says "failed" later, in the page). */
async function answers(url: string): Promise<boolean> {
  try {
    const response = await fetch(new URL('/', url), { method: 'HEAD', signal: AbortSignal.timeout(3_000) });
    await response.body?.cancel();
    return true;
  } catch {
    return false;
  }
}
