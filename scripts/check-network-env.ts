import { spawnSync } from 'node:child_process';
import { repoRoot } from './lib/workspace.ts';

/**
 * Checks that a turbo task sees the network settings of the shell that ran
 * it. Turbo's strict env mode drops variables it is not told about, and npm
 * inside a task then fails behind a TLS-inspecting proxy once its cache is
 * cold. turbo.json passes these through (`globalPassThroughEnv`).
 *
 * `node scripts/check-network-env.ts` runs the turbo task
 * `probe:network-env` with every variable set (a sentinel for each one the
 * shell does not set) and fails unless the task saw each one unchanged.
 * With `--print`, it is that task: it prints what it sees.
 */
const variables = [
  'NODE_EXTRA_CA_CERTS',
  'SSL_CERT_FILE',
  'SSL_CERT_DIR',
  'HTTP_PROXY',
  'HTTPS_PROXY',
  'NO_PROXY',
  'http_proxy',
  'https_proxy',
  'no_proxy',
  'npm_config_palisade_probe',
];
const marker = 'palisade-network-env:';

if (process.argv.includes('--print')) {
  console.log(marker + JSON.stringify(Object.fromEntries(variables.map((name) => [name, process.env[name] ?? null]))));
} else {
  // A sentinel proxy must not be used for real: nothing in the probe goes to the network.
  const expected = Object.fromEntries(variables.map((name) => [name, process.env[name] ?? `palisade-probe-${name}`]));
  // npx itself would try a sentinel CA bundle file and warn; the probe only needs turbo to carry the value.
  const probe = spawnSync('npx', ['turbo', 'run', 'probe:network-env', '--output-logs=full', '--log-prefix=none'], {
    cwd: repoRoot,
    env: { ...process.env, ...expected },
    encoding: 'utf8',
  });
  const line = `${probe.stdout}`.split('\n').find((text) => text.startsWith(marker));
  if (probe.status !== 0 || line === undefined) {
    console.error(`${probe.stdout}${probe.stderr}`);
    throw new Error('the turbo task probe:network-env did not run');
  }
  const seen = JSON.parse(line.slice(marker.length)) as Record<string, string | null>;
  const dropped = variables.filter((name) => seen[name] !== expected[name]);
  for (const name of variables) {
    console.log(`${dropped.includes(name) ? 'DROPPED' : 'passed '} ${name}=${seen[name] ?? '(unset)'}`);
  }
  if (dropped.length > 0) {
    throw new Error(`turbo tasks do not see ${dropped.join(', ')}: add them to globalPassThroughEnv in turbo.json`);
  }
  console.log('turbo tasks see the network environment');
}
