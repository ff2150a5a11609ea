import { describe, expect, it } from 'vitest';
import { QueuedTask } from './queued-task.js';

describe('QueuedTask', () => {
  it('is a promise that await, then and Promise.resolve treat as a native one', async () => {
    const task = new QueuedTask('k', 1, () => 1, undefined);
    expect(task).toBeInstanceOf(Promise);
    expect(Promise.resolve(task)).toBe(task);
    const derived = task.then((value) => value * 2);
    expect(derived).not.toBeInstanceOf(QueuedTask);
    expect(Object.keys(task)).toEqual([]);
    task.fulfil(21);
    expect(await task).toBe(21);
    expect(await derived).toBe(42);
  });

  it('rejects with the given error, and rejectHandled leaves no unhandled rejection', async () => {
    const failed = new QueuedTask('k', 0, () => 1, undefined);
    const error = new Error('nope');
    failed.reject(error);
    await expect(failed).rejects.toBe(error);
    const forgotten = new QueuedTask('k', 0, () => 1, undefined);
    let unhandled = false;
    const onUnhandled = () => {
      unhandled = true;
    };
    process.on('unhandledRejection', onUnhandled);
    forgotten.rejectHandled(error);
    await new Promise((resolve) => setImmediate(resolve));
    process.off('unhandledRejection', onUnhandled);
    expect(unhandled).toBe(false);
  });

  it('hands its task over once', () => {
    const fn = () => 1;
    const task = new QueuedTask('k', 0, fn, undefined);
    expect(task.takeTask()).toBe(fn);
    expect(task.takeTask()).toBeUndefined();
    task.fulfil(1);
  });
});
