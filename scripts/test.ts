import { spawnSync } from 'node:child_process';
import { systemPrograms, withSystemPrograms } from './lib/system-programs.ts';
import { repoRoot } from './lib/workspace.ts';

/**
 * `npm test`: every check, through turbo. Extra arguments go to turbo
 * (`npm test -- --filter=@palisade/router`). The paths of the system programs
 * that some tests need are put in the environment first, so that turbo's
 * cache key records whether each one was there (see system-programs.ts).
 */
const tasks = [
  'lint',
  'typecheck',
  'typecheck:root',
  'test',
  'test:browser',
  'check:package',
  'check:changesets',
  'test:consumer',
  'test:scripts',
];
const env = withSystemPrograms(process.env);
for (const { variable } of systemPrograms) {
  console.log(`${variable}=${env[variable] === '' ? '(not found: the tests that need it skip)' : env[variable]}`);
}
const turbo = spawnSync('npx', ['turbo', 'run', ...tasks, ...process.argv.slice(2)], {
  cwd: repoRoot,
  env,
  stdio: 'inherit',
});
if (turbo.error !== undefined) throw turbo.error;
process.exit(turbo.status ?? 1);
