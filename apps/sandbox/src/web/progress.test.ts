import { describe, expect, it } from 'vitest';
import { loadProgress, markCompleted, saveProgress, withStep } from './progress.ts';

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
  it('starts empty, and keeps completed lessons and steps between visits', () => {
    const storage = memoryStorage();
    expect(loadProgress(storage)).toEqual({ completed: [], steps: {} });
    saveProgress(withStep(markCompleted(markCompleted(loadProgress(storage), 7), 3), 7, 2), storage);
    expect(loadProgress(storage)).toEqual({ completed: [3, 7], steps: { 7: 2 } });
  });

  it('returns the same object when nothing changes, so React skips the update', () => {
    const progress = markCompleted({ completed: [], steps: { 1: 2 } }, 1);
    expect(markCompleted(progress, 1)).toBe(progress);
    expect(withStep(progress, 1, 2)).toBe(progress);
  });

  it('survives storage that is unreadable, full or missing', () => {
    const broken = {
      getItem: () => '{not json',
      setItem: () => {
        throw new Error('quota');
      },
    };
    expect(loadProgress(broken)).toEqual({ completed: [], steps: {} });
    expect(() => saveProgress({ completed: [1], steps: {} }, broken)).not.toThrow();
    expect(loadProgress(undefined)).toEqual({ completed: [], steps: {} });
  });
});
