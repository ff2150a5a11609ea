import { type SpawnSyncOptions, spawnSync } from 'node:child_process';

/**
 * Runs a command and returns its stdout. On failure it throws with the
 * command line and everything the command printed, so a CI log says why.
 */
export function run(command: string, args: readonly string[], options: SpawnSyncOptions = {}): string {
  const result = spawnSync(command, args, { encoding: 'utf8', maxBuffer: 64 * 2 ** 20, ...options });
  if (result.error) throw result.error;
  if (result.status !== 0) {
    throw new Error(
      `\`${command} ${args.join(' ')}\` exited with ${result.status ?? result.signal}\n${result.stdout ?? ''}${result.stderr ?? ''}`,
    );
  }
  return String(result.stdout ?? '');
}

/** Prints a step the way the CI log should read it. */
export function step(message: string): void {
  console.log(`\n▶ ${message}`);
}
