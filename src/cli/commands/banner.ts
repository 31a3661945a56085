import type { Logger } from '../../logger.js';
import { styleText } from '../../logger.js';
import type { McpSseServer } from '../../server/options.js';
import { packageVersion } from '../../version.js';
import { INSPECTOR_PACKAGE, inspectorNpxArgs, nodeIsRecentEnough } from './inspector-launcher.js';

/** The Inspector CLI as it runs on this Node: older ones fetch Node 24 through npx. */
function inspectorCli(): string {
  return nodeIsRecentEnough() ? `npx -y ${INSPECTOR_PACKAGE}` : `npx ${inspectorNpxArgs().join(' ')}`;
}

function plural(n: number, word: string) {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** What both banners start from: the styles for stderr, what loaded, and a name clients may use. */
function bannerParts(server: Pick<McpSseServer, 'registry' | 'info'>) {
  const { registry } = server;
  const tty = process.stderr.isTTY === true && !process.env.NO_COLOR;
  const counts = [plural(registry.tools.size, 'tool'), plural(registry.resources.size, 'resource'), plural(registry.prompts.size, 'prompt')].join(', ');
  return {
    registry,
    bold: (s: string) => (tty ? styleText('bold', s) : s),
    dim: (s: string) => (tty ? styleText('gray', s) : s),
    loaded: `${counts}${registry.errors.length ? `, ${registry.errors.length} failed` : ''}`,
    name: server.info.name.replace(/[^A-Za-z0-9_.-]/g, '-'),
  };
}

/** What a user needs after `serve`: where it listens, what loaded, and lines to paste into clients. */
export function printBanner(logger: Logger, server: McpSseServer, options: { dir: string; watching: boolean; token: boolean; inspect?: boolean; config?: string }): void {
  const { registry, bold, dim, loaded, name: header } = bannerParts(server);
  const auth = options.token ? ' --header "Authorization: Bearer $MCP_SSE_AUTH_TOKEN"' : '';
  logger.raw(
    [
      `${bold(`mcp-sse v${packageVersion}`)} serving ${options.dir} (${loaded}) in ${Math.round(server.startup.ms)} ms`,
      `  Streamable HTTP  ${server.mcpUrl}`,
      `  SSE (legacy)     ${server.sseUrl}`,
      ...(options.config ? [`  Config file      ${options.config}`] : []),
      dim('  Connect:'),
      `  Inspector CLI    ${inspectorCli()} --cli ${server.sseUrl} --method tools/list${auth}`,
      `  Inspector UI     npx mcp-sse inspect ${server.sseUrl}${options.token ? ' --auth-token "$MCP_SSE_AUTH_TOKEN"' : ''}${options.inspect ? '' : dim('   (or: serve --inspect)')}`,
      `  Claude Code      claude mcp add --transport sse ${header} ${server.sseUrl}${auth}`,
      `  VS Code          .vscode/mcp.json: ${JSON.stringify({ servers: { [header]: { type: 'sse', url: server.sseUrl } } })}`,
      options.watching ? dim(`  watching ${options.dir} for changes`) : dim('  not watching for changes (--no-watch)'),
    ].join('\n'),
  );
  logger.info('ready', { url: server.url, tools: registry.tools.size, resources: registry.resources.size, prompts: registry.prompts.size });
}

/** The stdio form of the banner, on stderr like every log line: stdout belongs to the client. */
export function printStdioBanner(logger: Logger, server: Pick<McpSseServer, 'registry' | 'info' | 'startup'>, options: { dir: string; watching: boolean; config?: string }): void {
  const { registry, bold, dim, loaded, name } = bannerParts(server);
  const args = ['mcp-sse', 'serve', options.dir, '--stdio'];
  logger.raw(
    [
      `${bold(`mcp-sse v${packageVersion}`)} serving ${options.dir} (${loaded}) in ${Math.round(server.startup.ms)} ms over stdio`,
      dim('  stdout carries JSON-RPC only; logs and anything tools print go to stderr'),
      ...(options.config ? [`  Config file      ${options.config}`] : []),
      dim('  Run by a client:'),
      `  Claude Code      claude mcp add ${name} -- npx ${args.join(' ')}`,
      `  Claude Desktop   ${JSON.stringify({ mcpServers: { [name]: { command: 'npx', args } } })}`,
      `  VS Code          .vscode/mcp.json: ${JSON.stringify({ servers: { [name]: { type: 'stdio', command: 'npx', args } } })}`,
      options.watching ? dim(`  watching ${options.dir} for changes`) : dim('  not watching for changes (--no-watch)'),
    ].join('\n'),
  );
  logger.info('ready', { transport: 'stdio', tools: registry.tools.size, resources: registry.resources.size, prompts: registry.prompts.size });
}
