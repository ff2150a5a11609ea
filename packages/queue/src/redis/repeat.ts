import { type IDisposable, realClock, type TimerHandle } from '@palisade/core';

/**
 * Runs `work` every `interval` ms on the real clock, each run starting
 * `interval` after the previous one settled, so runs never overlap. Errors
 * are the work's own business: a failed run is followed by the next.
 */
export function repeat(
  interval: number,
  work: () => Promise<void>,
  options: { immediately?: boolean } = {},
): IDisposable {
  let timer: TimerHandle | undefined;
  let stopped = false;
  const run = async (): Promise<void> => {
    timer = undefined;
    try {
      await work();
    } catch {
      // The next run tries again.
    }
    if (!stopped) timer = realClock.setTimeout(() => void run(), interval);
  };
  if (options.immediately === true) void run();
  else timer = realClock.setTimeout(() => void run(), interval);
  return {
    dispose: () => {
      stopped = true;
      if (timer !== undefined) realClock.clearTimeout(timer);
    },
  };
}
