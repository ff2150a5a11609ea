/**
 * Finagle's peak-EWMA load metric for one endpoint: an exponentially
 * weighted moving average of round-trip times that jumps straight to any
 * latency above it (the peak) and decays back with time constant `decay`,
 * so a slow endpoint is avoided at once and trusted again only gradually.
 * The weights depend on the time between observations, not on their number,
 * because calls arrive unevenly.
 */
export class PeakEwma {
  /** Milliseconds; the EWMA of the round-trip time, sensitive to peaks. */
  #cost = 0;
  #stamp: number;
  readonly #decay: number;

  constructor(decay: number, now: number) {
    this.#decay = decay;
    this.#stamp = now;
  }

  /**
   * The current estimate in milliseconds, decayed to `now`. A pure read:
   * storing the decay here would make each reading round the estimate a
   * little differently, so a dashboard polling stats could change which
   * endpoint P2C picks next.
   */
  cost(now: number): number {
    const elapsed = now - this.#stamp;
    return elapsed > 0 ? this.#cost * Math.exp(-elapsed / this.#decay) : this.#cost;
  }

  observe(rtt: number, now: number): void {
    const elapsed = now > this.#stamp ? now - this.#stamp : 0;
    if (rtt > this.#cost) {
      this.#cost = rtt;
    } else if (elapsed > 0) {
      const weight = Math.exp(-elapsed / this.#decay);
      this.#cost = this.#cost * weight + rtt * (1 - weight);
    }
    if (now > this.#stamp) this.#stamp = now;
  }

  /**
   * A lower bound on a latency, from an attempt that did not answer: one cut
   * off by a timeout or abandoned, or a failure, whose speed says nothing
   * about how fast the endpoint serves. It can raise the estimate, never
   * lower it: a node that refuses in 1 ms must not look fast.
   */
  observeAtLeast(rtt: number, now: number): void {
    if (rtt <= this.cost(now)) return;
    this.#cost = rtt;
    if (now > this.#stamp) this.#stamp = now;
  }

  /**
   * What P2C compares: the latency estimate times the calls it would have in
   * flight with this one. An endpoint with no latency history but calls in
   * flight is penalised, so a cold endpoint takes one call at a time until
   * it has answered once (Finagle does the same).
   */
  load(outstanding: number, now: number): number {
    const cost = this.cost(now);
    if (cost === 0 && outstanding !== 0) return PENALTY + outstanding;
    return cost * (outstanding + 1);
  }
}

const PENALTY = Number.MAX_VALUE / 2;
