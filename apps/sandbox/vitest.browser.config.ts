import { defineConfig } from 'vitest/config';
import shared from '../../vitest.shared.ts';

/**
 * The browser tests: the built app served locally, driven in Debian's
 * Chromium. Apart from the unit tests (`npm test`) because they need a
 * browser and a build. They import lessons by source, as the unit tests do,
 * to compute in Node what the page must show.
 */
export default defineConfig({
  resolve: shared.resolve,
  test: {
    include: ['test/browser/**/*.test.ts'],
    globalSetup: ['test/browser/global-setup.ts'],
    // One Chromium at a time: the machines have two cores, and frame timings must not fight each other.
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
