import { defineConfig } from 'vitest/config';

// Unit tests of the SDK's logic: no browser, no server.
export default defineConfig({
  test: {
    root: 'client',
    include: ['test/**/*.test.ts'],
    environment: 'node',
  },
});
