/**
 * `normal` runs the state machine. `disabled` admits every call and only
 * counts it in `stats()`. `metrics-only` admits every call and feeds the trip
 * rules, counting in `stats().trips` each time they would have opened the
 * circuit, without ever opening it (resilience4j's DISABLED and METRICS_ONLY).
 */
export type BreakerMode = 'normal' | 'disabled' | 'metrics-only';

export const breakerModes: readonly BreakerMode[] = ['normal', 'disabled', 'metrics-only'];

// Modes as small integers, for the comparisons on every call.
export const NORMAL = 0;
export const DISABLED = 1;
export const METRICS_ONLY = 2;
export type ModeCode = typeof NORMAL | typeof DISABLED | typeof METRICS_ONLY;

const modeCodes: Readonly<Record<BreakerMode, ModeCode>> = {
  normal: NORMAL,
  disabled: DISABLED,
  'metrics-only': METRICS_ONLY,
};

export function modeCode(mode: BreakerMode): ModeCode {
  return modeCodes[mode];
}

export function modeName(code: ModeCode): BreakerMode {
  return breakerModes[code] as BreakerMode;
}
