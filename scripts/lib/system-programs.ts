import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

/**
 * Programs from the operating system that some tests need. Outside CI a test
 * skips without its program, with a message saying how to install it; under
 * CI=true it fails instead. `npm test` exports each program's path (or an
 * empty string) in `variable`, and turbo hashes that variable into the task,
 * so a skip cached while the program was missing is never replayed once it is
 * installed.
 */
export interface SystemProgram {
  readonly variable: string;
  readonly names: readonly string[];
}

export const systemPrograms: readonly SystemProgram[] = [
  { variable: 'CHROMIUM_PATH', names: ['chromium', 'chromium-browser'] },
  { variable: 'REDIS_SERVER_PATH', names: ['redis-server'] },
];

/** The first of `names` found on PATH, or '' if none is. */
export function findOnPath(names: readonly string[], path = process.env.PATH ?? ''): string {
  for (const name of names) {
    for (const dir of path.split(delimiter)) {
      if (dir === '') continue;
      const candidate = join(dir, name);
      try {
        accessSync(candidate, constants.X_OK);
        return candidate;
      } catch {}
    }
  }
  return '';
}

/** The environment with each program's variable set: kept if the caller set it, found on PATH otherwise. */
export function withSystemPrograms(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const result = { ...env };
  for (const program of systemPrograms) {
    if (result[program.variable] === undefined) result[program.variable] = findOnPath(program.names, env.PATH);
  }
  return result;
}
