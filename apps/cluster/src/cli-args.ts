import { scenarioNames } from './supervisor/scenarios/index.ts';

export interface CliArgs {
  readonly scenario: string | undefined;
  readonly branches: number;
  readonly clients: number;
  readonly rate: number;
  readonly short: boolean;
  readonly keep: boolean;
  readonly help: boolean;
}

export const USAGE = `Usage: npm run cluster [-- options]

Starts Redis and a bank of real processes on loopback, prints where their
metrics are, and runs until Ctrl-C; or runs a scenario and prints its table.

  --scenario <name>   ${scenarioNames.join(', ')}
  --branches <n>      branch processes at the start (default 5, at least 2)
  --clients <n>       client processes, one customer each (default 2)
  --rate <n>          transfers per second per client (default 20)
  --short             the CI test's shorter pace
  --keep              keep the data dir (Redis files, keys, every process's log)
  --help              this text`;

const positive = (flag: string, text: string | undefined, min: number): number => {
  const value = Number(text);
  if (!Number.isInteger(value) || value < min)
    throw new Error(`${flag} takes an integer of at least ${min}, got ${text}`);
  return value;
};

/** Reads `npm run cluster -- …`'s arguments; throws with a message for anything it does not know. */
export function parseCliArgs(argv: readonly string[]): CliArgs {
  let scenario: string | undefined;
  let branches = 5;
  let clients = 2;
  let rate = 20;
  let short = false;
  let keep = false;
  let help = false;
  for (let index = 0; index < argv.length; index++) {
    const flag = argv[index];
    const value = argv[index + 1];
    switch (flag) {
      case '--scenario':
        if (value === undefined || !(scenarioNames as readonly string[]).includes(value)) {
          throw new Error(`--scenario takes one of ${scenarioNames.join(', ')}, got ${value}`);
        }
        scenario = value;
        index++;
        break;
      case '--branches':
        branches = positive(flag, value, 2);
        index++;
        break;
      case '--clients':
        clients = positive(flag, value, 1);
        index++;
        break;
      case '--rate':
        rate = positive(flag, value, 1);
        index++;
        break;
      case '--short':
        short = true;
        break;
      case '--keep':
        keep = true;
        break;
      case '--help':
      case '-h':
        help = true;
        break;
      default:
        throw new Error(`unknown argument ${flag}`);
    }
  }
  return { scenario, branches, clients, rate, short, keep, help };
}
