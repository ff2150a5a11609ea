import type { Cancel, Simulation } from './simulation.ts';

/**
 * Calls `arrive` at random moments, `rps` times a second on average: a
 * Poisson process, the usual model of many independent users. Returns the
 * function that stops it.
 */
export function startPoissonLoad(sim: Simulation, random: () => number, rps: number, arrive: () => void): Cancel {
  let stopped = false;
  const gap = () => -Math.log(1 - random()) * (1000 / rps);
  let cancelNext = sim.after(gap(), function next() {
    if (stopped) return;
    arrive();
    cancelNext = sim.after(gap(), next);
  });
  return () => {
    stopped = true;
    cancelNext();
  };
}
