import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { build, preview } from 'vite';
import { repoRoot } from './lib/workspace.ts';

/**
 * `npm start`: builds the packages the sandbox imports (it uses their dist,
 * as any user of the packages would), builds the app, and serves it on
 * localhost. `npm start -- --port 5000` picks the port (default 4173; the
 * next free one if it is taken).
 */
const appDir = join(repoRoot, 'apps', 'sandbox');
const portFlag = process.argv.indexOf('--port');
const requested = portFlag === -1 ? 4173 : Number(process.argv[portFlag + 1]);

console.log('palisade sandbox: building the packages…');
// Turbo skips packages whose sources have not changed since their last build.
const packages = spawnSync(
  'npx',
  ['turbo', 'run', 'build', '--filter=@palisade/sandbox^...', '--output-logs=errors-only'],
  { cwd: repoRoot, stdio: 'inherit' },
);
if (packages.error !== undefined || packages.status !== 0) {
  console.error('palisade sandbox: building the packages failed (see above).');
  process.exit(packages.status ?? 1);
}

console.log('palisade sandbox: building the app…');
await build({ root: appDir, mode: 'production', logLevel: 'warn' });

const server = await preview({
  root: appDir,
  logLevel: 'warn',
  preview: { port: Number.isInteger(requested) && requested > 0 ? requested : 4173, strictPort: false, open: false },
});
const address = server.httpServer.address();
const port = typeof address === 'object' && address !== null ? address.port : requested;
console.log(`\npalisade sandbox: http://localhost:${port}/\n`);
console.log('Press Ctrl+C to stop.');

const stop = (): void => {
  server.close().then(
    () => process.exit(0),
    () => process.exit(1),
  );
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
