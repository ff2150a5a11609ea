import { describe, expect, it } from 'vitest';
import { loadedModules } from '../../../scripts/lib/import-graph.ts';

const isIoredis = (url: string) => url.includes('/node_modules/ioredis/');
const isRedisAdapter = (url: string) => /\/packages\/breaker\/src\/redis[.-]/.test(url);

describe('the Redis adapter is a subpath of its own', () => {
  it('importing @palisade/breaker loads neither ioredis nor the Redis adapter', () => {
    const loaded = loadedModules('@palisade/breaker');
    expect(loaded.some((url) => url.endsWith('/packages/breaker/src/index.ts'))).toBe(true);
    expect(loaded.filter(isIoredis)).toEqual([]);
    expect(loaded.filter(isRedisAdapter)).toEqual([]);
  });

  it('importing @palisade/breaker/redis loads the adapter and its engine, ioredis', () => {
    const loaded = loadedModules('@palisade/breaker/redis');
    expect(loaded.filter(isRedisAdapter).length).toBeGreaterThan(0);
    expect(loaded.filter(isIoredis).length).toBeGreaterThan(0);
  });
});
