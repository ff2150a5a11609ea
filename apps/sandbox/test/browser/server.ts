import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, preview } from 'vite';

export const appRoot = fileURLToPath(new URL('../..', import.meta.url));

/**
 * The browser tests build into a folder of their own, never `dist/`: turbo may
 * run the app's own `build` task (which writes `dist/`) at the same time, and
 * two builds emptying one folder fail each other.
 */
export const testBuildDir = join(appRoot, 'node_modules', '.cache', 'browser-test-build');

/**
 * Builds the app as `npm start` does (the packages' dist must be built
 * first). Vitest sets NODE_ENV=test, which would give React's development
 * build: slower, and not what learners get. The benchmark passes a folder
 * of its own, for the same reason the tests have theirs.
 */
export async function buildApp(outDir = testBuildDir): Promise<void> {
  const nodeEnv = process.env.NODE_ENV;
  process.env.NODE_ENV = 'production';
  try {
    await build({
      root: appRoot,
      mode: 'production',
      logLevel: 'warn',
      build: { outDir, emptyOutDir: true },
    });
  } finally {
    process.env.NODE_ENV = nodeEnv;
  }
}

/** Serves the app built into `outDir` on a free port of 127.0.0.1. */
export async function serveApp(outDir = testBuildDir): Promise<{ url: string; close(): Promise<void> }> {
  const server = await preview({
    root: appRoot,
    logLevel: 'silent',
    build: { outDir },
    preview: { port: 0, host: '127.0.0.1', open: false },
  });
  const url = server.resolvedUrls?.local[0];
  if (url === undefined) throw new Error('vite preview did not report its address');
  return { url, close: () => server.close() };
}
