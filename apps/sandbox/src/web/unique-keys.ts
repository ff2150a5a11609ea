/**
 * React keys for items that have no id: the item's own description, plus a
 * count when the same description repeats (two identical refusals in the
 * same millisecond are possible). A duplicate key is a console error.
 */
export function uniqueKeys<T>(items: readonly T[], describe: (item: T) => string): string[] {
  const seen = new Map<string, number>();
  return items.map((item) => {
    const base = describe(item);
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    return count === 0 ? base : `${base}#${count}`;
  });
}
