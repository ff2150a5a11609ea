import { useEffect, useLayoutEffect, useState, useSyncExternalStore } from 'react';
import type { Lesson, TimedAction } from '../../lessons/lesson.ts';
import { RunLoop, type Snapshot } from '../run-loop.ts';

/**
 * One RunLoop for the component's lifetime, drawing while mounted. A new run
 * (another seed, "start over") is a new component, keyed by the caller.
 */
export function useRunLoop(options: {
  readonly lesson: Lesson;
  readonly seed: number;
  readonly replay: readonly TimedAction[];
  readonly challenge: boolean;
  /** Fast-forward here and wait, instead of playing from the start. */
  readonly at: number | undefined;
}): { readonly loop: RunLoop; readonly snapshot: Snapshot } {
  const [loop] = useState(
    () =>
      new RunLoop({ lesson: options.lesson, seed: options.seed, replay: options.replay, challenge: options.challenge }),
  );
  const [initialAt] = useState(options.at);
  useEffect(() => {
    if (initialAt !== undefined) loop.seek(initialAt);
    else loop.play();
  }, [loop, initialAt]);
  useEffect(() => {
    loop.start();
    return () => loop.stop();
  }, [loop]);
  useEffect(() => {
    // A read-only handle for the browser tests' frame-time measurement and for curious learners.
    const handle = {
      stats: () => loop.stats(),
      time: () => loop.now(),
      speed: () => loop.getSnapshot().effectiveSpeed,
      passedAt: () => loop.getSnapshot().passedAt,
    };
    Object.assign(window, { palisadeSandbox: handle });
    return () => {
      if ((window as { palisadeSandbox?: unknown }).palisadeSandbox === handle)
        Object.assign(window, { palisadeSandbox: undefined });
    };
  }, [loop]);
  const snapshot = useSyncExternalStore(loop.subscribe, loop.getSnapshot);
  useLayoutEffect(() => loop.markDrawn());
  return { loop, snapshot };
}
