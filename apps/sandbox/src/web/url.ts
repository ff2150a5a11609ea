import type { TimedAction } from '../lessons/lesson.ts';
import { decodeRun, encodeRun } from '../lessons/run.ts';

/** Which page the app shows, and the run it replays. */
export type Route =
  | { readonly page: 'home' }
  | {
      readonly page: 'lesson' | 'free';
      readonly lesson: number;
      readonly seed: number;
      readonly actions: readonly TimedAction[];
      /** Fast-forward to this virtual time on load, then wait paused. */
      readonly at?: number;
    };

export const DEFAULT_SEED = 1;

function integer(value: string | null): number | undefined {
  if (value === null || !/^-?\d+$/.test(value)) return undefined;
  const number = Number(value);
  return Number.isSafeInteger(number) ? number : undefined;
}

/**
 * `?lesson=N&seed=S&run=…` opens lesson N; `?free=N…` is free play in lesson
 * N's world. A `run` wins over `lesson` and `seed` when they disagree, since
 * it is the exact record of what happened.
 */
export function parseRoute(search: string): Route {
  const params = new URLSearchParams(search);
  const free = integer(params.get('free'));
  const lesson = free ?? integer(params.get('lesson'));
  if (lesson === undefined) return { page: 'home' };
  const page = free === undefined ? 'lesson' : 'free';
  const at = integer(params.get('t'));
  const encoded = params.get('run');
  const spec = encoded === null ? undefined : decodeRun(encoded);
  const base = { page, at: at !== undefined && at >= 0 ? at : undefined } as const;
  if (spec !== undefined) return { ...base, lesson: spec.lesson, seed: spec.seed, actions: spec.actions };
  return { ...base, lesson, seed: integer(params.get('seed')) ?? DEFAULT_SEED, actions: [] };
}

export function routeSearch(route: Route): string {
  if (route.page === 'home') return '';
  const params = new URLSearchParams();
  params.set(route.page === 'free' ? 'free' : 'lesson', String(route.lesson));
  params.set('seed', String(route.seed));
  if (route.actions.length > 0) {
    params.set('run', encodeRun({ lesson: route.lesson, seed: route.seed, actions: route.actions }));
  }
  if (route.at !== undefined) params.set('t', String(Math.round(route.at)));
  return `?${params.toString()}`;
}
