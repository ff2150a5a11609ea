import { InvalidArgumentError, InvalidOptionError } from '@palisade/core';
import { rejectUnknownKeys } from './unknown-keys.js';

/** An endpoint as you describe it to the router. */
export interface EndpointInit<D = unknown> {
  /** Unique within the router. */
  readonly id: string;
  /** Anything your function needs to reach the endpoint: a base URL, a client, a node of a simulation. */
  readonly data?: D;
  /**
   * Relative share of traffic: round-robin sends it `weight` times as many
   * calls, P2C divides its load by it, rendezvous hashing gives it that many
   * times the keys. > 0.
   * @default 1
   */
  readonly weight?: number;
  /**
   * Its priority tier: 0 is the first. Traffic stays on the lowest tier with
   * enough healthy endpoints and spills to the next as it degrades (Envoy's
   * priority levels). An integer in [0, 127].
   * @default 0
   */
  readonly priority?: number;
  /** A label for the zone or locality it runs in, shown in stats and events. */
  readonly zone?: string;
}

/** An endpoint as the router hands it to your function: what you gave it, with the defaults filled in. */
export interface Endpoint<D = unknown> {
  readonly id: string;
  readonly data: D;
  readonly weight: number;
  readonly priority: number;
  readonly zone: string | undefined;
}

export const MAX_PRIORITY = 127;

/** The keys of `EndpointInit`; the type makes the list complete. */
const ENDPOINT_INIT_KEYS: readonly string[] = Object.keys({
  id: true,
  data: true,
  weight: true,
  priority: true,
  zone: true,
} satisfies Record<keyof EndpointInit, true>);

/**
 * Checks an endpoint description. At construction its fields are options
 * (`endpoints[2].weight`); given to `add()` they are arguments; the error
 * class follows.
 */
export function readEndpointInit<D>(value: unknown, name: string, as: 'option' | 'argument'): Endpoint<D> {
  const fail = (field: string, expected: string, received: unknown): never => {
    throw as === 'option'
      ? new InvalidOptionError(field, expected, received)
      : new InvalidArgumentError(field, expected, received);
  };
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return fail(name, 'an endpoint { id, data?, weight?, priority?, zone? }', value);
  }
  rejectUnknownKeys(value, ENDPOINT_INIT_KEYS, `${name}.`, as);
  const { id, data, weight = 1, priority = 0, zone } = value as EndpointInit<D>;
  if (typeof id !== 'string' || id.length === 0) fail(`${name}.id`, 'a non-empty string', id);
  if (typeof weight !== 'number' || !(weight > 0) || weight > Number.MAX_SAFE_INTEGER) {
    fail(`${name}.weight`, `a number in (0, ${Number.MAX_SAFE_INTEGER}]`, weight);
  }
  if (!Number.isInteger(priority) || priority < 0 || priority > MAX_PRIORITY) {
    fail(`${name}.priority`, `an integer in [0, ${MAX_PRIORITY}]`, priority);
  }
  if (zone !== undefined && typeof zone !== 'string') fail(`${name}.zone`, 'a string or undefined', zone);
  return Object.freeze({ id, data: data as D, weight, priority, zone });
}
