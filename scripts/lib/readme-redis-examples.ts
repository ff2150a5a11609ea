import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { format } from 'node:util';
import { expect, it } from 'vitest';
import { extractExamples } from './readme-blocks.ts';
import { describeWithRedis } from './redis-test.ts';

/**
 * The README examples that need Redis are fenced ```ts no-run, so that the
 * README test (and the consumer test, which has no Redis) only type-checks
 * them. This runs those same blocks, the ones that import ioredis, against a
 * redis-server of the test's own: each reads its URL from REDIS_URL, as the
 * examples do. Their `// →` notes are checked as in the README test.
 */
const URL_VARIABLE = 'REDIS_URL';

export function testRedisReadmeExamples(workspaceUrl: URL, readmeName = 'README.md'): void {
  const workspaceDir = fileURLToPath(workspaceUrl);
  const examples = extractExamples(readFileSync(join(workspaceDir, readmeName), 'utf8')).filter(
    (example) => !example.run && /from 'ioredis'/.test(example.code),
  );
  // A folder of its own: the README test empties .readme-examples while it collects.
  const outDir = join(workspaceDir, '.readme-redis-examples');
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });

  describeWithRedis(`${readmeName} examples that need Redis`, (redis) => {
    it('has some', () => {
      expect(examples.length).toBeGreaterThan(0);
    });

    for (const example of examples) {
      it(`runs the example at line ${example.line}`, async () => {
        const file = join(outDir, `line-${example.line}.ts`);
        writeFileSync(file, example.code);
        const printed: string[] = [];
        const original = console.log;
        // Set for the example alone, from the server this test owns: never an input from outside.
        const env = process.env as Record<string, string | undefined>;
        const previousUrl = env[URL_VARIABLE];
        env[URL_VARIABLE] = redis.server.url;
        console.log = (...args: unknown[]) => void printed.push(format(...args));
        try {
          await import(/* @vite-ignore */ pathToFileURL(file).href);
        } finally {
          console.log = original;
          if (previousUrl === undefined) delete env[URL_VARIABLE];
          else env[URL_VARIABLE] = previousUrl;
        }
        expect(printed, `output of the README example at line ${example.line}`).toEqual(example.expectedOutput);
      });
    }
  });
}
