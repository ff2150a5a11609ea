import { parsePrometheusText, type Sample } from './prometheus-text.ts';

const seriesKey = (target: string, sample: Sample): string =>
  `${target}\u0000${sample.name}\u0000${Object.entries(sample.labels)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([label, value]) => `${label}=${value}`)
    .join(',')}`;

export interface ScrapeTarget {
  readonly name: string;
  readonly url: string;
}

/** One pass over every target: what each one exported, or undefined where the scrape failed; `at` is when it ended. */
export interface ScrapeRound {
  readonly at: number;
  readonly samples: ReadonlyMap<string, readonly Sample[] | undefined>;
}

/**
 * The summary collector: scrapes every process's Prometheus endpoint at a
 * fixed interval, keeps the latest round, and tells whoever waits for a
 * condition the first round where it held. This is how a scenario measures
 * the time to detect a fault *in the metrics*: from the moment it caused
 * the fault to the first scrape that shows it.
 */
export class Collector {
  readonly #targets: () => readonly ScrapeTarget[];
  readonly #interval: number;
  readonly #listeners = new Set<(round: ScrapeRound) => void>();
  #timer: NodeJS.Timeout | undefined;
  #busy = false;
  #latest: ScrapeRound | undefined;
  readonly #lastValue = new Map<string, number>();
  readonly #increase = new Map<string, { readonly sample: Sample; total: number }>();
  rounds = 0;

  constructor(targets: () => readonly ScrapeTarget[], interval = 250) {
    this.#targets = targets;
    this.#interval = interval;
  }

  start(): void {
    this.#timer ??= setInterval(() => void this.#scrape(), this.#interval);
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
    this.#listeners.clear();
  }

  get latest(): ScrapeRound | undefined {
    return this.#latest;
  }

  /**
   * How much the counters named `name` (with labels including `where`) grew,
   * summed over every process since the collector started, as Prometheus'
   * `increase()` counts it: a process that restarts starts its counters at
   * zero again, and that is not a decrease.
   */
  increase(name: string, where: Readonly<Record<string, string>> = {}): number {
    let total = 0;
    for (const { sample, total: grown } of this.#increase.values()) {
      if (sample.name !== name) continue;
      if (Object.entries(where).every(([label, value]) => sample.labels[label] === value)) total += grown;
    }
    return total;
  }

  /** Resolves with the time of the first round, from now on, where `condition` holds; undefined after `timeout` ms. */
  waitFor(condition: (round: ScrapeRound) => boolean, timeout: number): Promise<number | undefined> {
    return new Promise((resolve) => {
      const done = (at: number | undefined): void => {
        clearTimeout(timer);
        this.#listeners.delete(listener);
        resolve(at);
      };
      const listener = (round: ScrapeRound): void => {
        if (condition(round)) done(round.at);
      };
      const timer = setTimeout(() => done(undefined), timeout);
      this.#listeners.add(listener);
    });
  }

  async #scrape(): Promise<void> {
    if (this.#busy) return;
    this.#busy = true;
    const targets = this.#targets();
    const results = await Promise.all(
      targets.map(async ({ url }) => {
        try {
          const response = await fetch(url, { signal: AbortSignal.timeout(this.#interval * 2) });
          return response.ok ? parsePrometheusText(await response.text()) : undefined;
        } catch {
          return undefined;
        }
      }),
    );
    // A round shows what it shows once every answer is in (or timed out): that is when a watcher could see it.
    const round: ScrapeRound = {
      at: Date.now(),
      samples: new Map(targets.map(({ name }, index) => [name, results[index]])),
    };
    for (const [target, samples] of round.samples) {
      for (const sample of samples ?? []) {
        if (!sample.name.endsWith('_total')) continue;
        const key = seriesKey(target, sample);
        const previous = this.#lastValue.get(key) ?? 0;
        const grown = sample.value >= previous ? sample.value - previous : sample.value;
        this.#lastValue.set(key, sample.value);
        const entry = this.#increase.get(key);
        if (entry === undefined) this.#increase.set(key, { sample, total: grown });
        else entry.total += grown;
      }
    }
    this.#latest = round;
    this.rounds++;
    this.#busy = false;
    for (const listener of [...this.#listeners]) listener(round);
  }
}
