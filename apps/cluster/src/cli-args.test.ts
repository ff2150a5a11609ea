import { describe, expect, it } from 'vitest';
import { parseCliArgs } from './cli-args.ts';

describe('parseCliArgs', () => {
  it('defaults to the interactive cluster of 5 branches and 2 clients', () => {
    expect(parseCliArgs([])).toEqual({
      scenario: undefined,
      branches: 5,
      clients: 2,
      rate: 20,
      short: false,
      keep: false,
      help: false,
    });
  });

  it('reads a scenario and the sizes', () => {
    expect(parseCliArgs(['--scenario', 'all', '--branches', '3', '--rate', '5', '--short', '--keep'])).toMatchObject({
      scenario: 'all',
      branches: 3,
      rate: 5,
      short: true,
      keep: true,
    });
  });

  it('refuses what it does not know, saying what it takes', () => {
    expect(() => parseCliArgs(['--scenario', 'meteor'])).toThrow(
      /one of all, node-down, redis-restart, compromise, scale/,
    );
    expect(() => parseCliArgs(['--scenario'])).toThrow(/--scenario takes/);
    expect(() => parseCliArgs(['--branches', '1'])).toThrow(/at least 2/);
    expect(() => parseCliArgs(['--rate', '2.5'])).toThrow(/integer/);
    expect(() => parseCliArgs(['--verbose'])).toThrow(/unknown argument --verbose/);
  });
});
