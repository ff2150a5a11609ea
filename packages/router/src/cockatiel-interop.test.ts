import { VirtualClock } from '@palisade/core';
import { BulkheadRejectedError, bulkhead, fallback, handleAll, TimeoutStrategy, timeout, wrap } from 'cockatiel';
import { describe, expect, it } from 'vitest';
import { Router } from './router.js';
import { Boom } from './simulation.test-util.js';

describe('the router inside cockatiel', () => {
  it('wrap(bulkhead, router.asPolicy()): the bulkhead sees one call, the function sees each attempt', async () => {
    const clock = new VirtualClock();
    const router = new Router({ clock, endpoints: [{ id: 'a' }, { id: 'b' }], retry: { backoff: 0 } });
    const policy = wrap(bulkhead(1, 0), router.asPolicy());
    const seen: string[] = [];
    let release = (): void => {};
    const first = policy.execute(({ endpoint, attempt, signal }) => {
      seen.push(`${endpoint.id} ${attempt} ${signal.aborted}`);
      if (attempt === 1) throw new Boom('retry me');
      return new Promise<string>((resolve) => {
        release = () => resolve('done');
      });
    });
    await expect(policy.execute(() => 'queued')).rejects.toBeInstanceOf(BulkheadRejectedError);
    release();
    expect(await first).toBe('done');
    expect(seen).toHaveLength(2);
    expect(seen[0]?.split(' ')[0]).not.toBe(seen[1]?.split(' ')[0]);
  });

  it('a cockatiel timeout inside the router runs per attempt; a fallback outside catches the router’s failure', async () => {
    const router = new Router({
      endpoints: [{ id: 'a' }, { id: 'b' }],
      retry: { backoff: 0 },
      outlierDetection: false,
    });
    const perAttempt = timeout(20, TimeoutStrategy.Aggressive);
    const policy = wrap(fallback(handleAll, 'fallback'), router.asPolicy());
    let attempts = 0;
    const result = await policy.execute(({ signal }) =>
      perAttempt.execute(() => {
        attempts++;
        return new Promise<string>(() => {});
      }, signal),
    );
    expect(result).toBe('fallback');
    expect(attempts).toBe(3);
    const events: string[] = [];
    router.asPolicy().onFailure(({ handled }) => events.push(`failure ${handled}`));
    await policy.execute(() => Promise.reject(new Boom('x')));
    expect(events).toEqual(['failure true']);
  });
});
