/** A name to write at `left`, `width` wide, in the chart's units. */
export interface LabelSpan {
  readonly left: number;
  readonly width: number;
}

/**
 * The row each name goes in: the first of `lanes` rows where it starts
 * after the previous name ends (plus `gap`), or undefined when no row has
 * room. Names are taken in the order given, left to right.
 */
export function labelLanes(spans: readonly LabelSpan[], lanes: number, gap: number): (number | undefined)[] {
  const ends: number[] = Array.from({ length: lanes }, () => Number.NEGATIVE_INFINITY);
  return spans.map((span) => {
    const lane = ends.findIndex((end) => end <= span.left);
    if (lane < 0) return undefined;
    ends[lane] = span.left + span.width + gap;
    return lane;
  });
}
