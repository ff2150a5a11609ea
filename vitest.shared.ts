import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const packagesDir = fileURLToPath(new URL('./packages', import.meta.url));

/**
 * Each workspace's vitest.config.ts re-exports this. Tests import sibling
 * packages by name; the alias points those names at their sources, so a test
 * never runs against a stale dist and `npm test` needs no build first.
 */
export default defineConfig({
  resolve: {
    alias: [{ find: /^@palisade\/([a-z-]+)$/, replacement: `${packagesDir}/$1/src/index.ts` }],
  },
  test: {
    include: ['src/**/*.test.ts'],
    restoreMocks: true,
  },
});
