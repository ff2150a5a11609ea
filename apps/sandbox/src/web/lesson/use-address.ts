import { useEffect, useRef } from 'react';
import type { TimedAction } from '../../lessons/lesson.ts';
import { type Route, routeSearch } from '../url.ts';

/** While playing, the address catches up this often; an action, a pause or a rewind writes it at once. */
const EVERY_MS = 2_000;

interface Written {
  readonly at: number;
  readonly time: number;
  readonly actions: readonly TimedAction[];
  readonly scheduled: readonly TimedAction[];
}

/**
 * Keeps the run in the address bar as it goes (`history.replaceState`, so
 * the back button is not flooded): a reload, or a copied address, opens the
 * same run paused at the same moment.
 */
export function useAddressSync(options: {
  readonly page: 'lesson' | 'free';
  readonly lesson: number;
  readonly seed: number;
  readonly time: number;
  readonly playing: boolean;
  readonly seeking: boolean;
  readonly actions: readonly TimedAction[];
  readonly scheduled: readonly TimedAction[];
  readonly share: () => readonly TimedAction[];
}): void {
  const written = useRef<Written | undefined>(undefined);
  useEffect(() => {
    const last = written.current;
    const now = performance.now();
    if (last === undefined) {
      // The address already says what was opened.
      written.current = { at: now, time: options.time, actions: options.actions, scheduled: options.scheduled };
      return;
    }
    const recorded = last.actions !== options.actions || last.scheduled !== options.scheduled;
    const moved = last.time !== options.time;
    const due = options.seeking ? false : options.playing ? moved && now - last.at >= EVERY_MS : moved;
    if (!recorded && !due) return;
    written.current = { at: now, time: options.time, actions: options.actions, scheduled: options.scheduled };
    const route: Route = {
      page: options.page,
      lesson: options.lesson,
      seed: options.seed,
      actions: options.share(),
      ...(options.time > 0 ? { at: options.time } : {}),
    };
    const url = `${window.location.pathname}${routeSearch(route)}`;
    if (url !== `${window.location.pathname}${window.location.search}`) {
      window.history.replaceState(window.history.state, '', url);
    }
  });
}
