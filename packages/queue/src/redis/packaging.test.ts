import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const here = (file: string): string => fileURLToPath(new URL(file, import.meta.url));

/** Imports `entry` in a fresh Node process and returns every module URL it resolved on the way. */
function modulesLoadedBy(entry: string): string[] {
  const script = `
    import { registerHooks } from 'node:module';
    const seen = [];
    registerHooks({ resolve(specifier, context, next) { const result = next(specifier, context); seen.push(result.url); return result; } });
    await import(${JSON.stringify(entry)});
    process.stdout.write(JSON.stringify(seen));
  `;
  const run = spawnSync(
    process.execPath,
    ['--import', here('./source-hooks.test-util.ts'), '--input-type=module', '--eval', script],
    { encoding: 'utf8' },
  );
  if (run.status !== 0) throw new Error(run.stderr);
  return JSON.parse(run.stdout) as string[];
}

const engineModules = (urls: readonly string[]): string[] =>
  urls.filter((url) => /\/node_modules\/(bullmq|ioredis)\//.test(url));

describe('packaging', () => {
  it('importing @palisade/queue loads neither bullmq nor ioredis', () => {
    const loaded = modulesLoadedBy('@palisade/queue');
    expect(loaded.some((url) => url.endsWith('/queue/src/index.ts'))).toBe(true);
    expect(engineModules(loaded)).toEqual([]);
  });

  it('importing @palisade/queue/redis loads them (so the test above can fail)', () => {
    const loaded = engineModules(modulesLoadedBy('@palisade/queue/redis'));
    expect(loaded.some((url) => url.includes('/node_modules/bullmq/'))).toBe(true);
    expect(loaded.some((url) => url.includes('/node_modules/ioredis/'))).toBe(true);
  });

  it('exports ./redis, with bullmq and ioredis as optional peer dependencies', () => {
    const manifest = JSON.parse(readFileSync(here('../../package.json'), 'utf8')) as {
      exports: Record<string, unknown>;
      dependencies: Record<string, string>;
      peerDependencies: Record<string, string>;
      peerDependenciesMeta: Record<string, { optional: boolean }>;
    };
    expect(manifest.exports['./redis']).toEqual({ types: './dist/redis.d.ts', default: './dist/redis.js' });
    for (const name of ['bullmq', 'ioredis']) {
      expect(manifest.dependencies[name]).toBeUndefined();
      expect(manifest.peerDependencies[name]).toBeDefined();
      expect(manifest.peerDependenciesMeta[name]?.optional).toBe(true);
    }
  });
});
