import { cancellationError, type Random, seededRandom, type VirtualClock } from '@palisade/core';
import type { Endpoint } from './endpoint.js';

export class Boom extends Error {
  override readonly name = 'Boom';
}

/** How a node answers one request: after `latency` ms, with success or failure; or never. */
export type Answer = { readonly latency: number; readonly fail: boolean } | 'hang';

export type Behaviour = (now: number, random: Random) => Answer;

/** Answers after a latency around `base` ms: base plus an exponential tail of mean `spread × base`. */
export const healthy =
  (base = 10, spread = 0.3): Behaviour =>
  (_now, random) => ({ latency: base * (1 - spread * Math.log(1 - random())), fail: false });

/** Refuses every request after `latency` ms, as a dead host's connection refusal does. */
export const dead =
  (latency = 1): Behaviour =>
  () => ({ latency, fail: true });

/** Never answers. */
export const blackHole: Behaviour = () => 'hang';

/** Answers as `behaviour` does, but a `share` of the answers are failures: a gray failure. */
export const failingShare =
  (share: number, behaviour: Behaviour): Behaviour =>
  (now, random) => {
    const answer = behaviour(now, random);
    return answer === 'hang' || random() >= share ? answer : { latency: answer.latency, fail: true };
  };

/**
 * A simulated node. Its behaviour can change at any time (the sandbox's
 * "kill", "slow down", "restart"); requests honour their AbortSignal, as a
 * well-behaved client does, unless `ignoreSignal` is set.
 */
export class SimulatedNode {
  readonly id: string;
  behaviour: Behaviour;
  ignoreSignal = false;
  requests = 0;
  failures = 0;
  inFlight = 0;

  constructor(id: string, behaviour: Behaviour) {
    this.id = id;
    this.behaviour = behaviour;
  }
}

/** Several nodes on one virtual clock, with their own seeded randomness for latencies. */
export class Cluster {
  readonly clock: VirtualClock;
  readonly random: Random;
  readonly nodes: Map<string, SimulatedNode>;

  constructor(clock: VirtualClock, nodes: readonly SimulatedNode[], seed = 1) {
    this.clock = clock;
    this.random = seededRandom(seed);
    this.nodes = new Map(nodes.map((node) => [node.id, node]));
  }

  node(id: string): SimulatedNode {
    const node = this.nodes.get(id);
    if (node === undefined) throw new Error(`no node ${id}`);
    return node;
  }

  get endpoints(): { id: string; data: string }[] {
    return [...this.nodes.keys()].map((id) => ({ id, data: id }));
  }

  /** What the router's function does: sends the request to the endpoint's node. */
  readonly call = (endpoint: Endpoint<unknown>, signal?: AbortSignal): Promise<string> =>
    this.request(this.node(endpoint.id), signal);

  request(node: SimulatedNode, signal?: AbortSignal): Promise<string> {
    node.requests++;
    const answer = node.behaviour(this.clock.now(), this.random);
    return new Promise<string>((resolve, reject) => {
      node.inFlight++;
      let timer: ReturnType<VirtualClock['setTimeout']> | undefined;
      const onAbort = (): void => {
        if (timer !== undefined) this.clock.clearTimeout(timer);
        node.inFlight--;
        reject(cancellationError(signal as AbortSignal));
      };
      if (answer === 'hang') {
        if (signal !== undefined && !node.ignoreSignal) signal.addEventListener('abort', onAbort, { once: true });
        return;
      }
      timer = this.clock.setTimeout(() => {
        signal?.removeEventListener('abort', onAbort);
        node.inFlight--;
        if (answer.fail) {
          node.failures++;
          reject(new Boom(`${node.id} failed`));
        } else {
          resolve(node.id);
        }
      }, answer.latency);
      if (signal !== undefined && !node.ignoreSignal) signal.addEventListener('abort', onAbort, { once: true });
    });
  }
}

export interface Outcome {
  readonly startedAt: number;
  readonly latency: number;
  readonly ok: boolean;
  readonly error?: unknown;
}

/**
 * Starts `send()` `rate` times per second for `duration` ms of virtual time,
 * in ticks of `tick` ms, then runs the clock until every request settled.
 */
export async function runLoad(
  clock: VirtualClock,
  options: { rate: number; duration: number; tick?: number; drain?: number },
  send: (index: number) => Promise<unknown>,
): Promise<Outcome[]> {
  const { rate, duration, tick = 10, drain = 60_000 } = options;
  const outcomes: Outcome[] = [];
  const pending: Promise<void>[] = [];
  const perTick = (rate * tick) / 1_000;
  let carried = 0;
  let index = 0;
  const start = clock.now();
  for (let at = 0; at < duration; at += tick) {
    clock.setTimeout(() => {
      carried += perTick;
      while (carried >= 1) {
        carried -= 1;
        const startedAt = clock.now();
        pending.push(
          send(index++).then(
            () => void outcomes.push({ startedAt, latency: clock.now() - startedAt, ok: true }),
            (error: unknown) => void outcomes.push({ startedAt, latency: clock.now() - startedAt, ok: false, error }),
          ),
        );
      }
    }, at);
  }
  await clock.advanceTo(start + duration + drain);
  await Promise.all(pending);
  return outcomes;
}

export function percentile(values: readonly number[], quantile: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const index = Math.min(sorted.length - 1, Math.ceil(quantile * sorted.length) - 1);
  return sorted[Math.max(0, index)] as number;
}

export const successRate = (outcomes: readonly Outcome[]): number =>
  outcomes.filter((outcome) => outcome.ok).length / outcomes.length;

/** Settles `promise` into a value or an error, so a test can look at rejections without try/catch. */
export async function settle<T>(promise: Promise<T>): Promise<{ value: T } | { error: unknown }> {
  try {
    return { value: await promise };
  } catch (error) {
    return { error };
  }
}
