import { CancelledError, InvalidArgumentError } from '@palisade/core';
import { describe, expect, it, vi } from 'vitest';
import { ConditionWatch, SizeWatch } from './condition.js';

describe('ConditionWatch', () => {
  it('fires listeners on each false → true transition and resolves waiters', async () => {
    let holds = false;
    const watch = new ConditionWatch(() => holds);
    const listener = vi.fn();
    watch.condition(listener);
    const waiting = watch.condition();
    holds = true;
    watch.update();
    watch.update();
    await waiting;
    expect(listener).toHaveBeenCalledTimes(1);
    holds = false;
    watch.end();
    holds = true;
    watch.update();
    expect(listener).toHaveBeenCalledTimes(2);
  });

  it('rejects a waiter whose signal aborts, and one that had already aborted', async () => {
    const watch = new ConditionWatch(() => false);
    await expect(watch.condition({ signal: AbortSignal.abort() })).rejects.toBeInstanceOf(CancelledError);
    const controller = new AbortController();
    const waiting = watch.condition({ signal: controller.signal });
    controller.abort();
    await expect(waiting).rejects.toBeInstanceOf(CancelledError);
  });
});

describe('SizeWatch', () => {
  it('fires when the size drops below each limit, once per crossing', async () => {
    let size = 5;
    const watch = new SizeWatch(() => size);
    const belowThree = vi.fn();
    const subscription = watch.condition(3, belowThree);
    const belowTwo = watch.condition(2);
    size = 2;
    watch.update();
    expect(belowThree).toHaveBeenCalledTimes(1);
    size = 1;
    watch.update();
    await belowTwo;
    expect(belowThree).toHaveBeenCalledTimes(1);
    size = 4;
    watch.update();
    size = 0;
    watch.update();
    expect(belowThree).toHaveBeenCalledTimes(2);
    subscription.dispose();
    expect(watch.watched).toBe(false);
  });

  it('rejects a limit below 1 or NaN, which would never be reached', () => {
    const watch = new SizeWatch(() => 0);
    expect(() => watch.condition(0)).toThrow(InvalidArgumentError);
    expect(() => watch.condition(Number.NaN, () => {})).toThrow(InvalidArgumentError);
  });
});
