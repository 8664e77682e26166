import { defineConfig } from 'vitest/config';

// Browser end-to-end tests: a real server process and Debian's Chromium.
// Generous timeouts: they must pass on a loaded 2-core machine.
export default defineConfig({
  test: {
    root: 'client/e2e',
    include: ['**/*.e2e.ts'],
    environment: 'node',
    testTimeout: 300_000,
    hookTimeout: 240_000,
    fileParallelism: false,
    reporters: ['verbose'],
  },
});
