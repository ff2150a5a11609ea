import { type Clock, createDeadline, type Random, type TimerHandle, unrefTimer } from '@palisade/core';
import { reportError } from '@palisade/core/internal';
import type { EndpointState } from './endpoint-state.js';
import type { ResolvedHealthCheck } from './resolved-options.js';

interface Probe {
  timer: TimerHandle | undefined;
  abort: (() => void) | undefined;
  passes: number;
  failures: number;
  stopped: boolean;
}

/** Runs the checks of every endpoint on the injected clock. Timers are unref'd: they never keep a process alive. */
export class HealthChecker {
  readonly #options: ResolvedHealthCheck<unknown>;
  readonly #clock: Clock;
  readonly #random: Random;
  readonly #onChange: (endpoint: EndpointState, failures: number) => void;
  readonly #probes = new Map<EndpointState, Probe>();

  constructor(
    options: ResolvedHealthCheck<unknown>,
    clock: Clock,
    random: Random,
    onChange: (endpoint: EndpointState, failures: number) => void,
  ) {
    this.#options = options;
    this.#clock = clock;
    this.#random = random;
    this.#onChange = onChange;
  }

  start(endpoint: EndpointState): void {
    const probe: Probe = { timer: undefined, abort: undefined, passes: 0, failures: 0, stopped: false };
    this.#probes.set(endpoint, probe);
    this.#schedule(endpoint, probe, this.#options.jitter * this.#options.interval * this.#random());
  }

  stop(endpoint: EndpointState): void {
    const probe = this.#probes.get(endpoint);
    if (probe === undefined) return;
    this.#probes.delete(endpoint);
    probe.stopped = true;
    if (probe.timer !== undefined) this.#clock.clearTimeout(probe.timer);
    probe.abort?.();
  }

  dispose(): void {
    for (const endpoint of [...this.#probes.keys()]) this.stop(endpoint);
  }

  #schedule(endpoint: EndpointState, probe: Probe, delay: number): void {
    probe.timer = this.#clock.setTimeout(() => {
      probe.timer = undefined;
      this.#run(endpoint, probe);
    }, delay);
    unrefTimer(probe.timer);
  }

  #run(endpoint: EndpointState, probe: Probe): void {
    const controller = new AbortController();
    const deadline = createDeadline(this.#options.timeout, { clock: this.#clock, signal: controller.signal });
    probe.abort = () => controller.abort();
    const settle = (passed: boolean): void => {
      if (probe.abort === undefined) return;
      probe.abort = undefined;
      deadline.dispose();
      if (probe.stopped) return;
      this.#record(endpoint, probe, passed);
      const { interval, jitter } = this.#options;
      this.#schedule(endpoint, probe, interval + jitter * interval * this.#random());
    };
    const signal = deadline.signal;
    signal.addEventListener('abort', () => settle(false), { once: true });
    let result: unknown;
    try {
      result = this.#options.check(endpoint.endpoint, signal);
    } catch {
      settle(false);
      return;
    }
    Promise.resolve(result).then(
      (value) => settle(value !== false),
      () => settle(false),
    );
  }

  #record(endpoint: EndpointState, probe: Probe, passed: boolean): void {
    const { healthyThreshold, unhealthyThreshold } = this.#options;
    if (passed) {
      probe.passes++;
      probe.failures = 0;
    } else {
      probe.failures++;
      probe.passes = 0;
    }
    const becameHealthy = !endpoint.healthy && probe.passes >= healthyThreshold;
    const becameUnhealthy = endpoint.healthy && probe.failures >= unhealthyThreshold;
    if (!becameHealthy && !becameUnhealthy) return;
    endpoint.healthy = becameHealthy;
    try {
      this.#onChange(endpoint, probe.failures);
    } catch (error) {
      reportError(error);
    }
  }
}
