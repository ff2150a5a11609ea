import type { BreakerState, NodeState } from '../lessons/lesson.ts';

/** Every colour comes with words (state names, legends): colour alone never carries meaning here. */
export const nodeStateStyle: Readonly<Record<NodeState, { readonly fill: string; readonly label: string }>> = {
  up: { fill: '#2f855a', label: 'up' },
  slow: { fill: '#b7791f', label: 'slow' },
  down: { fill: '#8a94a6', label: 'down' },
  compromised: { fill: '#c53030', label: 'compromised' },
  revoked: { fill: '#6b46c1', label: 'revoked' },
};

export const breakerStateLabel: Readonly<Record<BreakerState, string>> = {
  closed: 'closed',
  open: 'open',
  'half-open': 'half-open',
  isolated: 'isolated',
};

/** Hystrix's health colours: green when healthy, through yellow and orange, to red. */
export function errorRateColour(errorRate: number): string {
  if (errorRate < 0.01) return '#2f855a';
  if (errorRate < 0.1) return '#d69e2e';
  if (errorRate < 0.5) return '#dd6b20';
  return '#c53030';
}

export const outcomeColour = { ok: '#2b6cb0', failed: '#c53030', unknown: '#c05621' } as const;

export const chartColours = {
  throughput: '#2b6cb0',
  success: '#2f855a',
  p50: '#2b6cb0',
  p99: '#9b2c2c',
  fault: 'rgba(197, 48, 48, 0.10)',
  faultText: '#9b2c2c',
} as const;

/** For shards on the hash ring. Chosen to stay apart for common colour blindness. */
export const shardColours = [
  '#0072b2',
  '#e69f00',
  '#009e73',
  '#cc79a7',
  '#56b4e9',
  '#d55e00',
  '#f0e442',
  '#000000',
  '#7f7f7f',
  '#882255',
] as const;
