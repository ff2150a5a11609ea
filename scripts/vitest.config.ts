import { defineConfig } from 'vitest/config';

/** Tests of the repo's own scripts (npm test's task `test:scripts`). */
export default defineConfig({
  test: {
    root: new URL('.', import.meta.url).pathname,
    include: ['**/*.test.ts'],
    testTimeout: 60_000,
  },
});
