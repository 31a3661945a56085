// Preloaded into a server under test (NODE_OPTIONS="--expose-gc --require …"): SIGUSR2 runs a
// full garbage collection, so a test can read the live heap in /healthz instead of garbage.
process.on('SIGUSR2', () => {
  globalThis.gc();
  globalThis.gc();
  process.stderr.write('gc done\n');
});
