// The layering of src/ (docs/architecture.md says it in words). `npm test` runs this first; a
// broken rule fails the run with the rule's name and the offending import.
//   cli → server → scale → transports (http, modern, stdio), observability → protocol → definitions
//   files → protocol, definitions   (files feed definitions into the registry)
//   isolation → files, protocol, definitions   (runs tool code in worker threads for files)
//   auth plugs into http (implements http/authentication.ts); scale implements
//   protocol/session-directory.ts. logger.ts and version.ts are the shared floor.
const layer = (...names) => `^src/(${names.join('|')})/`;

module.exports = {
  forbidden: [
    { name: 'no-circular', severity: 'error', comment: 'no import circles, type imports included', from: {}, to: { circular: true } },
    {
      name: 'definitions-are-the-floor',
      severity: 'error',
      comment: 'definitions/ (define*, schemas, content, results) know nothing of who serves them',
      from: { path: layer('definitions') },
      to: { path: layer('protocol', 'files', 'isolation', 'http', 'modern', 'stdio', 'auth', 'scale', 'server', 'cli', 'observability') },
    },
    {
      name: 'protocol-below-transports',
      severity: 'error',
      comment: 'protocol/ (registry, sessions, method table) is read by transports, never the other way; plug-ins implement its interfaces',
      from: { path: layer('protocol') },
      to: { path: layer('files', 'isolation', 'http', 'modern', 'stdio', 'auth', 'scale', 'server', 'cli', 'observability') },
    },
    {
      name: 'files-feed-the-registry',
      severity: 'error',
      comment: 'files/ loads definitions and hands them to the registry; it never reaches a transport or the server',
      from: { path: layer('files') },
      to: { path: layer('isolation', 'http', 'modern', 'stdio', 'auth', 'scale', 'server', 'cli') },
    },
    {
      name: 'isolation-runs-tool-code-only',
      severity: 'error',
      comment: 'isolation/ runs what files/ loads in worker threads; it knows no transport, plug-in, server or CLI',
      from: { path: layer('isolation') },
      to: { path: layer('http', 'modern', 'stdio', 'auth', 'scale', 'server', 'cli') },
    },
    {
      name: 'observability-beside-transports',
      severity: 'error',
      comment: 'observability/ (request log, metrics, traces) watches the method table; it never loads files, serves a transport or assembles the server',
      from: { path: layer('observability') },
      to: { path: layer('files', 'http', 'modern', 'stdio', 'auth', 'scale', 'server', 'cli') },
    },
    {
      name: 'transports-below-server',
      severity: 'error',
      comment: 'transports only move messages: no file loading, no scale-out, no server assembly, no CLI',
      from: { path: layer('http', 'modern', 'stdio') },
      to: { path: layer('files', 'isolation', 'auth', 'scale', 'server', 'cli') },
    },
    {
      name: 'plugins-stay-plugins',
      severity: 'error',
      comment: 'auth/ and scale/ implement interfaces of the layers that use them; they never assemble the server',
      from: { path: layer('auth', 'scale') },
      to: { path: layer('files', 'isolation', 'server', 'cli') },
    },
    {
      name: 'server-below-cli',
      severity: 'error',
      comment: 'the CLI is thin over the library: the library never imports it',
      from: { path: layer('server', 'http', 'modern', 'stdio', 'protocol', 'files', 'isolation', 'definitions', 'auth', 'scale', 'observability') },
      to: { path: layer('cli') },
    },
    {
      name: 'entry-points-are-the-top',
      severity: 'error',
      comment: 'index, public-api and testing are what users import; only entry points import them',
      from: { pathNot: '^src/(index|testing)\\.ts$|^src/cli/main\\.ts$' },
      to: { path: '^src/(index|public-api|testing)\\.ts$' },
    },
    {
      name: 'shared-floor',
      severity: 'error',
      comment: 'logger and version are imported by every layer, so they import none',
      from: { path: '^src/(logger|version)\\.ts$' },
      to: { path: '^src/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js'] },
  },
};
