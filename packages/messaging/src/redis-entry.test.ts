import { describe, expect, it } from 'vitest';
import { loadedModules } from '../../../scripts/lib/import-graph.ts';

const isIoredis = (url: string) => url.includes('/node_modules/ioredis/');
const isRedisAdapter = (url: string) => /\/packages\/messaging\/src\/redis[.-]/.test(url);

describe('the Redis transport is a subpath of its own', () => {
  it('importing @palisade/messaging loads neither ioredis nor the Redis transport', () => {
    const loaded = loadedModules('@palisade/messaging');
    expect(loaded.some((url) => url.endsWith('/packages/messaging/src/index.ts'))).toBe(true);
    expect(loaded.filter(isIoredis)).toEqual([]);
    expect(loaded.filter(isRedisAdapter)).toEqual([]);
  });

  it('importing @palisade/messaging/redis loads the transport and its engine, ioredis', () => {
    const loaded = loadedModules('@palisade/messaging/redis');
    expect(loaded.filter(isRedisAdapter).length).toBeGreaterThan(0);
    expect(loaded.filter(isIoredis).length).toBeGreaterThan(0);
  });
});
