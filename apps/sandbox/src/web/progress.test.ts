import { describe, expect, it } from 'vitest';
import { loadProgress, markCompleted, saveProgress } from './progress.ts';

function memoryStorage(): Storage {
  const items = new Map<string, string>();
  return {
    getItem: (key) => items.get(key) ?? null,
    setItem: (key, value) => void items.set(key, value),
    removeItem: (key) => void items.delete(key),
    clear: () => items.clear(),
    key: (index) => [...items.keys()][index] ?? null,
    get length() {
      return items.size;
    },
  };
}

describe('progress', () => {
  it('starts empty, and keeps completed lessons between visits', () => {
    const storage = memoryStorage();
    expect(loadProgress(storage)).toEqual({ completed: [] });
    saveProgress(markCompleted(markCompleted(loadProgress(storage), 7), 3), storage);
    expect(loadProgress(storage)).toEqual({ completed: [3, 7] });
    // What an older version stored (the step each lesson was at) is ignored.
    storage.setItem('palisade-sandbox/progress/v1', JSON.stringify({ completed: [2], steps: { 2: 3 } }));
    expect(loadProgress(storage)).toEqual({ completed: [2] });
  });

  it('returns the same object when nothing changes, so React skips the update', () => {
    const progress = markCompleted({ completed: [] }, 1);
    expect(markCompleted(progress, 1)).toBe(progress);
  });

  it('survives storage that is unreadable, full or missing', () => {
    const broken = {
      getItem: () => '{not json',
      setItem: () => {
        throw new Error('quota');
      },
    };
    expect(loadProgress(broken)).toEqual({ completed: [] });
    expect(() => saveProgress({ completed: [1] }, broken)).not.toThrow();
    expect(loadProgress(undefined)).toEqual({ completed: [] });
  });
});
