import { defineConfig } from 'vitest/config';

// The root config only gathers the workspaces, so one `vitest run` can run
// every suite on another Node major (see .ci/run).
export default defineConfig({
  test: {
    projects: ['packages/*', 'apps/*'],
  },
});
