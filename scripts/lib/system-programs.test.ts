import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { findOnPath, withSystemPrograms } from './system-programs.ts';
import { repoRoot } from './workspace.ts';

const dir = mkdtempSync(join(tmpdir(), 'palisade-path-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('system programs', () => {
  it('finds an executable on PATH, and only an executable', () => {
    writeFileSync(join(dir, 'not-executable'), '');
    writeFileSync(join(dir, 'fake-redis-server'), '#!/bin/sh\n');
    chmodSync(join(dir, 'fake-redis-server'), 0o755);
    expect(findOnPath(['fake-redis-server'], `/nonexistent:${dir}`)).toBe(join(dir, 'fake-redis-server'));
    expect(findOnPath(['not-executable'], dir)).toBe('');
    expect(findOnPath(['missing', 'fake-redis-server'], dir)).toBe(join(dir, 'fake-redis-server'));
  });

  it('sets each variable to the path found, or to an empty string, and keeps what the caller set', () => {
    const env = withSystemPrograms({ PATH: dir, CHROMIUM_PATH: '/opt/my-chromium' });
    expect(env.CHROMIUM_PATH).toBe('/opt/my-chromium');
    expect(env.REDIS_SERVER_PATH).toBe('');
  });

  // The point of the variables: the browser tests' cache key changes when
  // Chromium appears, so the skip recorded without it is not replayed.
  it("puts each program's presence into the cache key of the tasks that need it", { timeout: 180_000 }, () => {
    const hashOf = (task: string, variable: string, value: string) => {
      const dry = spawnSync(
        join(repoRoot, 'node_modules/.bin/turbo'),
        ['run', task, '--filter=@palisade/sandbox', '--dry=json'],
        {
          cwd: repoRoot,
          env: { ...process.env, [variable]: value },
          encoding: 'utf8',
          timeout: 40_000,
        },
      );
      expect(dry.status, `${dry.error ?? ''}${dry.stderr}`).toBe(0);
      const plan = JSON.parse(dry.stdout) as { tasks: { taskId: string; hash: string }[] };
      return plan.tasks.map((entry) => `${entry.taskId}:${entry.hash}`).join(',');
    };
    expect(hashOf('test:browser', 'CHROMIUM_PATH', '')).not.toBe(
      hashOf('test:browser', 'CHROMIUM_PATH', '/usr/bin/chromium'),
    );
    expect(hashOf('test', 'REDIS_SERVER_PATH', '')).not.toBe(
      hashOf('test', 'REDIS_SERVER_PATH', '/usr/bin/redis-server'),
    );
  });
});
