import { InvalidOptionError } from './errors.js';

/**
 * Throws `InvalidOptionError` for the first key of `options` that is not in
 * `known`, suggesting the nearest known key. TypeScript catches a misspelled
 * option, but plain JavaScript would silently build an instance with the
 * default instead. `path` prefixes the key in the error (`halfOpen.` for a
 * nested options object).
 */
export function rejectUnknownOptions(options: object, known: readonly string[], path = ''): void {
  for (const key of Object.keys(options)) {
    if (known.includes(key)) continue;
    const suggestion = nearestKey(key, known);
    throw new InvalidOptionError(
      `${path}${key}`,
      suggestion === undefined
        ? `one of the known options (${known.join(', ')})`
        : `a known option: did you mean "${path}${suggestion}"?`,
      (options as Record<string, unknown>)[key],
    );
  }
}

/** The known key closest to `key`, if one is close enough to be a likely typo. */
export function nearestKey(key: string, known: readonly string[]): string | undefined {
  const lower = key.toLowerCase();
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const candidate of known) {
    const distance = editDistance(lower, candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  // A third of the name's length, and at least 2: "halfOpenAftr" finds "halfOpenAfter", "foo" finds nothing.
  return bestDistance <= Math.max(2, Math.floor(key.length / 3)) ? best : undefined;
}

/** Optimal string alignment distance: insertions, deletions, substitutions and adjacent swaps each cost 1. */
export function editDistance(a: string, b: string): number {
  const rows = a.length + 1;
  const columns = b.length + 1;
  const cost = new Array<number>(rows * columns);
  for (let i = 0; i < rows; i++) cost[i * columns] = i;
  for (let j = 0; j < columns; j++) cost[j] = j;
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < columns; j++) {
      const substitution = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(
        (cost[(i - 1) * columns + j] as number) + 1,
        (cost[i * columns + j - 1] as number) + 1,
        (cost[(i - 1) * columns + j - 1] as number) + substitution,
      );
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        best = Math.min(best, (cost[(i - 2) * columns + j - 2] as number) + 1);
      }
      cost[i * columns + j] = best;
    }
  }
  return cost[rows * columns - 1] as number;
}
