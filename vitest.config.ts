import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    projects: [
      {
        // Unit tests first, then e2e (which has its own worker count), also under a plain `vitest run`.
        test: { name: 'unit', include: ['test/unit/**/*.test.ts'], testTimeout: 10_000, sequence: { groupOrder: 0 } },
      },
      {
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          testTimeout: 60_000,
          hookTimeout: 60_000,
          // Each file spawns servers; two at a time suits a 2-core machine.
          maxWorkers: 2,
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
