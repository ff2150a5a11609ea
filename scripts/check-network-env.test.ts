import { spawnSync } from 'node:child_process';
import { expect, it } from 'vitest';
import { repoRoot } from './lib/workspace.ts';

it('a turbo task sees NODE_EXTRA_CA_CERTS, the proxy settings and npm_config_* of the shell that ran turbo', {
  timeout: 180_000,
}, () => {
  const check = spawnSync(process.execPath, ['scripts/check-network-env.ts'], {
    cwd: repoRoot,
    encoding: 'utf8',
    timeout: 120_000,
  });
  expect(`${check.stdout}${check.stderr}`).toContain('passed  NODE_EXTRA_CA_CERTS=');
  expect(check.stdout).toContain('turbo tasks see the network environment');
  expect(check.status).toBe(0);
});
