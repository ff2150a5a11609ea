import type { Scenario } from '../scenario.ts';
import { compromise } from './compromise.ts';
import { nodeDown } from './node-down.ts';
import { redisRestart } from './redis-restart.ts';
import { scale } from './scale.ts';

/** The scenarios in the order `all` runs them. */
export const scenarios: readonly Scenario[] = [nodeDown, redisRestart, compromise, scale];

export const scenarioNames = ['all', ...scenarios.map(({ name }) => name)] as const;
