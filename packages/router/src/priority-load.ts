/** The health of one priority tier, as the load computation sees it. */
export interface TierHealth {
  readonly total: number;
  readonly healthy: number;
}

/** How traffic is split across tiers; see `priorityLoad`. */
export interface PriorityLoad {
  /** Per tier, the percentage of calls it receives; they sum to 100 when any tier has endpoints. */
  readonly loads: readonly number[];
  /** Per tier, whether it is in panic: calls go to all of its endpoints, healthy or not. */
  readonly panic: readonly boolean[];
}

/**
 * Envoy's priority load and panic threshold, with its integer percentages.
 *
 * A tier's health is `100 × healthy / total × overprovisioningFactor`,
 * capped at 100: with the default factor of 1.4, a tier with 72% of its
 * endpoints healthy still counts as fully healthy. Tiers take traffic in
 * order, each as much as its health, until 100% is placed. If all tiers
 * together have less than 100 health (the normalized total health), the
 * loads are scaled up so that they still sum to 100, and each tier whose
 * share of healthy endpoints is below `panicThreshold` panics: it spreads
 * its calls over all its endpoints rather than overloading the few healthy
 * ones. When no tier has any health, the first tier takes everything, in
 * panic.
 *
 * @param panicThreshold a fraction in [0, 1]; 0 turns panic off.
 */
export function priorityLoad(
  tiers: readonly TierHealth[],
  overprovisioningFactor: number,
  panicThreshold: number,
): PriorityLoad {
  const health = tiers.map(({ total, healthy }) =>
    total === 0 ? 0 : Math.min(100, Math.floor((100 * healthy * overprovisioningFactor) / total)),
  );
  const totalHealth = health.reduce((sum, each) => sum + each, 0);
  const normalizedTotalHealth = Math.min(100, totalHealth);
  const loads = tiers.map(() => 0);
  const panic = tiers.map(() => false);
  const first = tiers.findIndex((tier) => tier.total > 0);
  if (first < 0) return { loads, panic };
  if (normalizedTotalHealth === 0) {
    loads[first] = 100;
    panic[first] = panicThreshold > 0;
    return { loads, panic };
  }
  let remaining = 100;
  for (let i = 0; i < tiers.length && remaining > 0; i++) {
    const share = Math.min(remaining, Math.floor(((health[i] as number) * 100) / normalizedTotalHealth));
    loads[i] = share;
    remaining -= share;
  }
  // Rounding down can leave a point or two; Envoy gives it to the first tier with traffic.
  if (remaining > 0) {
    const receiver = loads.findIndex((load) => load > 0);
    const index = receiver < 0 ? first : receiver;
    loads[index] = (loads[index] as number) + remaining;
  }
  if (normalizedTotalHealth < 100) {
    tiers.forEach((tier, i) => {
      panic[i] = tier.total > 0 && tier.healthy / tier.total < panicThreshold;
    });
  }
  return { loads, panic };
}
