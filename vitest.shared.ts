import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const packagesDir = fileURLToPath(new URL('./packages', import.meta.url));

// The packages support Node 22 and later. npm scripts run the pinned Node 22
// from node_modules/.bin; reaching this with an older Node means the tests were
// started some other way and would not test what users run.
const nodeMajor = Number(process.versions.node.split('.')[0]);
if (nodeMajor < 22) {
  throw new Error(
    `Tests need Node 22 or later, and this is ${process.version}. Run them through npm (npm test) or npx.`,
  );
}

/**
 * Each workspace's vitest.config.ts re-exports this. Tests import sibling
 * packages by name; the alias points those names at their sources, so a test
 * never runs against a stale dist and `npm test` needs no build first.
 */
export default defineConfig({
  resolve: {
    // A subpath (`@palisade/core/internal`, `@palisade/core/internal/redis`) is the file of that name in src.
    alias: [
      { find: /^@palisade\/([a-z-]+)\/([a-z-]+(?:\/[a-z-]+)*)$/, replacement: `${packagesDir}/$1/src/$2.ts` },
      { find: /^@palisade\/([a-z-]+)$/, replacement: `${packagesDir}/$1/src/index.ts` },
    ],
  },
  test: {
    include: ['src/**/*.test.ts'],
    restoreMocks: true,
    // \`npm test\` runs every workspace's suite at once on CI's two cores, so a
    // property test that takes 2 s alone can take 15 s there. Fault scenarios
    // run on virtual time, so a hang is rare and this still catches one.
    testTimeout: 60_000,
  },
});
