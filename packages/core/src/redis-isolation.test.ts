import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadedModules } from '../../../scripts/lib/import-graph.ts';
import { externalImports } from '../../../scripts/lib/static-imports.ts';

const source = (file: string) => fileURLToPath(new URL(file, import.meta.url));
const isIoredis = (url: string) => url.includes('/node_modules/ioredis/');

// ioredis is an optional peer dependency of core: only the packages' redis adapters reach it, through the subpath.
describe('core loads ioredis only from @palisade/core/internal/redis', () => {
  it.each(['@palisade/core', '@palisade/core/internal'])('importing %s loads no ioredis', (entry) => {
    const loaded = loadedModules(entry);
    expect(loaded.some((url) => url.includes('/packages/core/src/'))).toBe(true);
    expect(loaded.filter(isIoredis)).toEqual([]);
  });

  it('importing @palisade/core/internal/redis loads ioredis (so the test above can fail)', () => {
    expect(loadedModules('@palisade/core/internal/redis').filter(isIoredis).length).toBeGreaterThan(0);
  });

  it.each(['./index.ts', './internal.ts'])('%s names no ioredis, not even for a type', (entry) => {
    expect([...externalImports(source(entry)).keys()].filter((s) => s === 'ioredis')).toEqual([]);
  });

  it('exports ./internal/redis, with ioredis as an optional peer dependency', () => {
    const manifest = JSON.parse(readFileSync(source('../package.json'), 'utf8')) as {
      exports: Record<string, unknown>;
      dependencies?: Record<string, string>;
      peerDependencies: Record<string, string>;
      peerDependenciesMeta: Record<string, { optional: boolean }>;
    };
    expect(manifest.exports['./internal/redis']).toEqual({
      types: './dist/internal/redis.d.ts',
      default: './dist/internal/redis.js',
    });
    expect(manifest.dependencies?.ioredis).toBeUndefined();
    expect(manifest.peerDependencies.ioredis).toBeDefined();
    expect(manifest.peerDependenciesMeta.ioredis?.optional).toBe(true);
  });
});
