import { type ChildProcess, spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { run, step } from './lib/run.ts';
import { publicPackages, repoRoot } from './lib/workspace.ts';

/**
 * The release flow, tested for real without touching the public registry:
 *   1. start Verdaccio on 127.0.0.1 with its storage in a temp dir;
 *   2. copy the repo to a throwaway folder, run `changeset version`, then
 *      `changeset publish` to Verdaccio;
 *   3. install @palisade/core into a fresh consumer from Verdaccio and use it;
 *   4. stop the registry.
 */
const work = mkdtempSync(join(tmpdir(), 'palisade-release-'));
const bin = (path: string) => join(repoRoot, 'node_modules', path);
let registry: ChildProcess | undefined;

try {
  step('Building the packages');
  run(
    process.execPath,
    [bin('turbo/bin/turbo'), 'run', 'build', '--filter=./packages/*', '--output-logs=errors-only'],
    {
      cwd: repoRoot,
    },
  );

  const port = await freePort();
  const registryUrl = `http://127.0.0.1:${port}/`;
  step(`Starting Verdaccio at ${registryUrl}`);
  registry = await startVerdaccio(join(work, 'verdaccio'), port);

  step('Copying the repo to a throwaway folder');
  const copy = join(work, 'repo');
  const files = run('git', ['ls-files', '--cached', '--others', '--exclude-standard', '-z'], { cwd: repoRoot })
    .split('\0')
    .filter((file) => file !== '' && existsSync(join(repoRoot, file)));
  for (const file of files) {
    mkdirSync(dirname(join(copy, file)), { recursive: true });
    cpSync(join(repoRoot, file), join(copy, file));
  }
  for (const pkg of publicPackages()) {
    cpSync(join(pkg.dir, 'dist'), join(copy, pkg.dir.slice(repoRoot.length), 'dist'), { recursive: true });
  }
  // changeset publish tags the release in git, so the copy is a repository.
  run('git', ['init', '-q', '-b', 'main'], { cwd: copy });
  run('git', ['add', '-A'], { cwd: copy });
  run('git', ['-c', 'user.name=release-test', '-c', 'user.email=release-test@localhost', 'commit', '-qm', 'snapshot'], {
    cwd: copy,
  });

  step('changeset version');
  const changeset = bin('@changesets/cli/bin.js');
  console.log(run(process.execPath, [changeset, 'version'], { cwd: copy }).trim());
  const coreVersion = JSON.parse(readFileSync(join(copy, 'packages/core/package.json'), 'utf8')).version as string;
  const changelog = readFileSync(join(copy, 'packages/core/CHANGELOG.md'), 'utf8');
  if (!changelog.includes(`## ${coreVersion}`))
    throw new Error(`CHANGELOG.md of @palisade/core has no ${coreVersion} entry`);
  console.log(`@palisade/core is now ${coreVersion}`);

  step('changeset publish');
  // npm 11 refuses to publish without a token, even where Verdaccio allows
  // anonymous publishing; any token will do.
  const userConfig = join(work, 'publish.npmrc');
  writeFileSync(userConfig, `registry=${registryUrl}\n//127.0.0.1:${port}/:_authToken=release-test\n`);
  console.log(
    run(process.execPath, [changeset, 'publish'], {
      cwd: copy,
      env: { ...process.env, NPM_CONFIG_USERCONFIG: userConfig, npm_config_registry: registryUrl },
    }).trim(),
  );

  step('Installing @palisade/core from the local registry into a fresh consumer');
  const consumer = join(work, 'consumer');
  mkdirSync(consumer);
  writeFileSync(
    join(consumer, 'package.json'),
    JSON.stringify({ name: 'release-consumer', private: true, type: 'module' }),
  );
  // Only the @palisade scope comes from Verdaccio; its dependencies come from the usual registry.
  writeFileSync(join(consumer, '.npmrc'), `@palisade:registry=${registryUrl}\n`);
  run('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error', '@palisade/core'], { cwd: consumer });
  writeFileSync(
    join(consumer, 'use.mjs'),
    `import { readFileSync } from 'node:fs';
import { VirtualClock, createDeadline } from '@palisade/core';
const { version } = JSON.parse(readFileSync(new URL('./node_modules/@palisade/core/package.json', import.meta.url), 'utf8'));
if (version !== ${JSON.stringify(coreVersion)}) throw new Error('installed ' + version + ', expected ${coreVersion}');
const clock = new VirtualClock();
const deadline = createDeadline(10, { clock });
await clock.advance(10);
if (deadline.signal.reason?.code !== 'ERR_PALISADE_DEADLINE_EXCEEDED') throw new Error('deadline did not fire');
console.log('consumer uses @palisade/core ' + version + ' from the local registry');
`,
  );
  console.log(run(process.execPath, ['use.mjs'], { cwd: consumer }).trim());
  console.log('\nrelease flow passed');
} finally {
  step('Stopping Verdaccio');
  registry?.kill();
  rmSync(work, { recursive: true, force: true });
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

async function startVerdaccio(dir: string, port: number): Promise<ChildProcess> {
  mkdirSync(join(dir, 'storage'), { recursive: true });
  const config = join(dir, 'config.yaml');
  writeFileSync(
    config,
    `storage: ${join(dir, 'storage')}
auth:
  htpasswd:
    file: ${join(dir, 'htpasswd')}
    max_users: -1
# No public registry is reachable from here, and none is wanted: the test
# must see only what it published.
uplinks: {}
packages:
  '**':
    access: $all
    publish: $anonymous $authenticated
log: { type: stdout, format: pretty, level: warn }
`,
  );
  const child = spawn(
    process.execPath,
    [bin('verdaccio/bin/verdaccio'), '--config', config, '--listen', `127.0.0.1:${port}`],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  child.stdout?.on('data', (chunk) => (output += chunk));
  child.stderr?.on('data', (chunk) => (output += chunk));
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`Verdaccio exited with ${child.exitCode}:\n${output}`);
    try {
      const response = await fetch(`http://127.0.0.1:${port}/-/ping`);
      if (response.ok) return child;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  child.kill();
  throw new Error(`Verdaccio did not answer on port ${port} within 30 s:\n${output}`);
}
