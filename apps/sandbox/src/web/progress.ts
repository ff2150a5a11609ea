const KEY = 'palisade-sandbox/progress/v1';

/**
 * What the learner has done, kept in the browser between visits. Where a
 * lesson's run stands (its actions, its moment, hence its step) lives in
 * the address instead, so a reload or a shared link carries it.
 */
export interface Progress {
  /** Lessons whose challenge has passed at least once. */
  readonly completed: readonly number[];
}

const empty: Progress = { completed: [] };

export function loadProgress(storage: Pick<Storage, 'getItem'> | undefined = globalThis.localStorage): Progress {
  try {
    const raw = storage?.getItem(KEY);
    if (raw == null) return empty;
    const parsed = JSON.parse(raw) as Partial<Progress>;
    return { completed: Array.isArray(parsed.completed) ? parsed.completed.filter(Number.isInteger) : [] };
  } catch {
    // Storage can be disabled or full of something else; progress is a nicety.
    return empty;
  }
}

export function saveProgress(
  progress: Progress,
  storage: Pick<Storage, 'setItem'> | undefined = globalThis.localStorage,
): void {
  try {
    storage?.setItem(KEY, JSON.stringify(progress));
  } catch {
    // As above: losing progress must never break the lesson.
  }
}

export function markCompleted(progress: Progress, lesson: number): Progress {
  if (progress.completed.includes(lesson)) return progress;
  return { ...progress, completed: [...progress.completed, lesson].sort((a, b) => a - b) };
}
