import { describe, expect, it, vi } from 'vitest';
import { AbortListeners } from './abort-listeners.js';

describe('AbortListeners', () => {
  it('calls each callback once, in order, from one listener per signal', () => {
    const listeners = new AbortListeners();
    const controller = new AbortController();
    const add = vi.spyOn(controller.signal, 'addEventListener');
    const calls: number[] = [];
    for (let i = 0; i < 20; i++) listeners.listen(controller.signal, () => calls.push(i));
    expect(add).toHaveBeenCalledTimes(1);
    controller.abort();
    controller.abort();
    expect(calls).toEqual(Array.from({ length: 20 }, (_, i) => i));
  });

  it('stops listening, and removes the shared listener with the last callback', () => {
    const listeners = new AbortListeners();
    const controller = new AbortController();
    const remove = vi.spyOn(controller.signal, 'removeEventListener');
    const first = vi.fn();
    const second = vi.fn();
    const stopFirst = listeners.listen(controller.signal, first);
    const stopSecond = listeners.listen(controller.signal, second);
    stopFirst();
    expect(remove).not.toHaveBeenCalled();
    stopSecond();
    expect(remove).toHaveBeenCalledTimes(1);
    const third = vi.fn();
    listeners.listen(controller.signal, third);
    controller.abort();
    expect([first.mock.calls.length, second.mock.calls.length, third.mock.calls.length]).toEqual([0, 0, 1]);
  });

  it('skips a callback that an earlier one removed', () => {
    const listeners = new AbortListeners();
    const controller = new AbortController();
    const later = vi.fn();
    let stopLater = (): void => {};
    listeners.listen(controller.signal, () => stopLater());
    stopLater = listeners.listen(controller.signal, later);
    controller.abort();
    expect(later).not.toHaveBeenCalled();
  });
});
