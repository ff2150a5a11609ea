import { defineConfig, mergeConfig } from 'vitest/config';
import shared from '../../vitest.shared.ts';

export default mergeConfig(
  shared,
  defineConfig({
    test: {
      // The scenario test starts real processes and a redis-server; one file at a time keeps two cores for them.
      fileParallelism: false,
    },
  }),
);
