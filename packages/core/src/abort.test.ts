import { TaskCancelledError } from 'cockatiel';
import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import {
  cancellationError,
  isAbortSignal,
  linkedAbortController,
  onAbort,
  raceAbort,
  throwIfAborted,
} from './abort.js';
import { CancelledError, DeadlineExceededError } from './errors.js';

const abortedWith = (reason: unknown): AbortSignal => {
  const controller = new AbortController();
  controller.abort(reason);
  return controller.signal;
};

describe('cancellationError', () => {
  it('wraps an ordinary reason in a CancelledError', () => {
    const reason = new Error('navigated away');
    const error = cancellationError(abortedWith(reason));
    expect(error).toBeInstanceOf(CancelledError);
    expect(error.cause).toBe(reason);
  });

  it('passes a cancellation reason through, so deadlines surface as themselves', () => {
    const deadline = new DeadlineExceededError(10);
    expect(cancellationError(abortedWith(deadline))).toBe(deadline);
    const cockatiel = new TaskCancelledError();
    expect(cancellationError(abortedWith(cockatiel))).toBe(cockatiel);
  });

  it('throwIfAborted throws only for an aborted signal', () => {
    expect(() => throwIfAborted(undefined)).not.toThrow();
    expect(() => throwIfAborted(new AbortController().signal)).not.toThrow();
    expect(() => throwIfAborted(abortedWith('x'))).toThrow(CancelledError);
  });
});

/** A signal from somewhere that is not this realm's AbortSignal: an iframe, jsdom, a polyfill. */
const foreignSignal = (): AbortSignal & { abortNow(reason: unknown): void } => {
  const target = new EventTarget() as EventTarget & { aborted: boolean; reason: unknown; abortNow(r: unknown): void };
  target.aborted = false;
  target.reason = undefined;
  target.abortNow = (reason) => {
    target.aborted = true;
    target.reason = reason;
    target.dispatchEvent(new Event('abort'));
  };
  return target as unknown as AbortSignal & { abortNow(reason: unknown): void };
};

describe('isAbortSignal', () => {
  it('accepts signals, aborted or not', () => {
    expect(isAbortSignal(new AbortController().signal)).toBe(true);
    expect(isAbortSignal(AbortSignal.abort())).toBe(true);
    expect(isAbortSignal(AbortSignal.any([]))).toBe(true);
  });

  it('accepts a signal that is not instanceof this realm’s AbortSignal, and onAbort works on it', () => {
    const signal = foreignSignal();
    expect(signal instanceof AbortSignal).toBe(false);
    expect(isAbortSignal(signal)).toBe(true);
    const reasons: unknown[] = [];
    onAbort(signal, (reason) => reasons.push(reason));
    signal.abortNow('gone');
    expect(reasons).toEqual(['gone']);
  });

  it.each([
    ['undefined', undefined],
    ['null', null],
    ['a string', 'nope'],
    ['a number', 42],
    ['a function', () => {}],
    ['an empty object', {}],
    ['an object with only aborted', { aborted: false }],
    ['an AbortController', new AbortController()],
    ['a plain EventTarget', new EventTarget()],
    ['an object that only inherits from AbortSignal.prototype', Object.create(AbortSignal.prototype)],
  ])('refuses %s', (_, value) => {
    expect(isAbortSignal(value)).toBe(false);
  });

  it('refuses, without throwing, an object whose getters throw', () => {
    const hostile = new Proxy(
      {},
      {
        get() {
          throw new Error('no');
        },
      },
    );
    expect(isAbortSignal(hostile)).toBe(false);
  });

  it('property: never throws, and refuses every value that is not a signal', () => {
    fc.assert(fc.property(fc.anything({ withObjectString: true }), (value) => !isAbortSignal(value)));
  });
});

describe('onAbort', () => {
  it('calls the listener once on abort, and not after dispose', () => {
    const controller = new AbortController();
    const listener = vi.fn();
    onAbort(controller.signal, listener);
    const disposed = vi.fn();
    onAbort(controller.signal, disposed).dispose();
    controller.abort('why');
    controller.abort('again');
    expect(listener).toHaveBeenCalledExactlyOnceWith('why');
    expect(disposed).not.toHaveBeenCalled();
  });

  it('calls the listener at once for an already-aborted signal', () => {
    const listener = vi.fn();
    onAbort(abortedWith('early'), listener);
    expect(listener).toHaveBeenCalledWith('early');
  });

  it('accepts an absent signal', () => {
    expect(() => onAbort(undefined, () => {}).dispose()).not.toThrow();
  });

  it('adds one platform listener per signal, however many wait on it', () => {
    const controller = new AbortController();
    const add = vi.spyOn(controller.signal, 'addEventListener');
    const listeners = Array.from({ length: 1_000 }, () => vi.fn());
    const subscriptions = listeners.map((listener) => onAbort(controller.signal, listener));
    for (const subscription of subscriptions.slice(0, 500)) subscription.dispose();
    controller.abort('bye');
    expect(add).toHaveBeenCalledTimes(1);
    expect(listeners.slice(0, 500).every((listener) => listener.mock.calls.length === 0)).toBe(true);
    expect(listeners.slice(500).every((listener) => listener.mock.calls.length === 1)).toBe(true);
  });

  it('calls the listeners in the order they registered, once each', () => {
    const controller = new AbortController();
    const calls: number[] = [];
    for (let i = 0; i < 20; i++) onAbort(controller.signal, () => calls.push(i));
    controller.abort();
    controller.abort();
    expect(calls).toEqual(Array.from({ length: 20 }, (_, i) => i));
  });

  it('calls a function registered twice twice, and disposing one leaves the other', () => {
    const controller = new AbortController();
    const listener = vi.fn();
    onAbort(controller.signal, listener);
    onAbort(controller.signal, listener).dispose();
    onAbort(controller.signal, listener);
    controller.abort();
    expect(listener).toHaveBeenCalledTimes(2);
  });

  it('ignores a second dispose, which must not unlink another registration', () => {
    const controller = new AbortController();
    const calls: string[] = [];
    const first = onAbort(controller.signal, () => calls.push('first'));
    onAbort(controller.signal, () => calls.push('second'));
    first.dispose();
    first.dispose();
    const { dispose } = onAbort(controller.signal, () => calls.push('third'));
    onAbort(controller.signal, () => calls.push('fourth'));
    dispose();
    dispose();
    controller.abort();
    expect(calls).toEqual(['second', 'fourth']);
  });

  it('property: exactly the registrations not disposed are called, once each, in the order they came', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.constant('add' as const), fc.nat({ max: 30 })), { maxLength: 60 }), (ops) => {
        const controller = new AbortController();
        const calls: number[] = [];
        const subscriptions: { id: number; dispose(): void }[] = [];
        const live = new Set<number>();
        for (const op of ops) {
          if (op === 'add') {
            const id = subscriptions.length;
            subscriptions.push({ id, ...onAbort(controller.signal, () => calls.push(id)) });
            live.add(id);
          } else if (subscriptions.length > 0) {
            const subscription = subscriptions[op % subscriptions.length] as { id: number; dispose(): void };
            subscription.dispose();
            live.delete(subscription.id);
          }
        }
        controller.abort();
        controller.abort();
        expect(calls).toEqual([...live].sort((a, b) => a - b));
      }),
    );
  });

  it('skips a listener disposed by an earlier listener during the abort', () => {
    const controller = new AbortController();
    const second = vi.fn();
    let secondSubscription: { dispose(): void } | undefined;
    onAbort(controller.signal, () => secondSubscription?.dispose());
    secondSubscription = onAbort(controller.signal, second);
    controller.abort();
    expect(second).not.toHaveBeenCalled();
  });
});

describe('linkedAbortController', () => {
  it('aborts the child with the parent reason', () => {
    const parent = new AbortController();
    const child = linkedAbortController(parent.signal);
    parent.abort('stop');
    expect(child.signal.aborted).toBe(true);
    expect(child.signal.reason).toBe('stop');
  });

  it('leaves the parent alone when the child aborts', () => {
    const parent = new AbortController();
    const child = linkedAbortController(parent.signal);
    child.controller.abort();
    expect(parent.signal.aborted).toBe(false);
  });

  it('stops following the parent once disposed', () => {
    const parent = new AbortController();
    const child = linkedAbortController(parent.signal);
    child.dispose();
    parent.abort();
    expect(child.signal.aborted).toBe(false);
  });

  it('starts aborted under an aborted parent', () => {
    expect(linkedAbortController(abortedWith('gone')).signal.reason).toBe('gone');
  });
});

describe('raceAbort', () => {
  it('settles with the work when no abort comes', async () => {
    await expect(raceAbort(Promise.resolve(7), new AbortController().signal)).resolves.toBe(7);
    await expect(raceAbort(Promise.reject(new Error('x')), undefined)).rejects.toThrow('x');
  });

  it('rejects on abort even if the work never settles', async () => {
    const controller = new AbortController();
    const pending = raceAbort(new Promise<never>(() => {}), controller.signal);
    controller.abort(new DeadlineExceededError(5));
    await expect(pending).rejects.toBeInstanceOf(DeadlineExceededError);
  });

  it('rejects at once for an aborted signal and swallows the late rejection of the work', async () => {
    const late = Promise.reject(new Error('late'));
    await expect(raceAbort(late, abortedWith('x'))).rejects.toBeInstanceOf(CancelledError);
  });

  it('swallows a rejection of the work that comes after the abort', async () => {
    const controller = new AbortController();
    let fail!: (error: Error) => void;
    const work = new Promise<never>((_, reject) => {
      fail = reject;
    });
    const raced = raceAbort(work, controller.signal);
    controller.abort();
    await expect(raced).rejects.toBeInstanceOf(CancelledError);
    fail(new Error('after abort'));
    await new Promise((resolve) => setImmediate(resolve));
  });

  it('forgets the caller once the work settles: a later abort reaches nothing', async () => {
    const controller = new AbortController();
    const raced = raceAbort(Promise.resolve(1), controller.signal);
    await expect(raced).resolves.toBe(1);
    controller.abort();
    await expect(raced).resolves.toBe(1);
  });
});
