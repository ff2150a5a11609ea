import { CancelledError, InvalidArgumentError, VirtualClock } from '@palisade/core';
import { describe, expect, it } from 'vitest';
import { Router } from './router.js';

/** A signal that is not `instanceof AbortSignal` here, as one from an iframe, jsdom or a polyfill. */
function foreignSignal() {
  const target = Object.assign(new EventTarget(), { aborted: false, reason: undefined as unknown });
  const abort = (reason: unknown) => {
    target.aborted = true;
    target.reason = reason;
    target.dispatchEvent(new Event('abort'));
  };
  return { signal: target as unknown as AbortSignal, abort };
}

const never = () => new Promise<never>(() => {});

describe('signal arguments (core’s isAbortSignal, as in the breaker and the queue)', () => {
  it('takes a foreign signal, as the second argument or as options.signal, and cancels on it', async () => {
    const router = new Router({ clock: new VirtualClock(), endpoints: [{ id: 'a' }] });
    for (const wrap of [(signal: AbortSignal) => signal, (signal: AbortSignal) => ({ signal })]) {
      const { signal, abort } = foreignSignal();
      const call = router.execute(never, wrap(signal)).catch((error: unknown) => error);
      abort('gone');
      expect(await call).toBeInstanceOf(CancelledError);
    }
  });

  it.each(['nope', 42, {}, { aborted: false }, new AbortController()])(
    'throws InvalidArgumentError for options.signal %o',
    (signal) => {
      const router = new Router({ clock: new VirtualClock(), endpoints: [{ id: 'a' }] });
      expect(() => router.execute(() => 1, { signal: signal as never })).toThrow(InvalidArgumentError);
    },
  );
});
