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
 * them. This runs those same blocks, the ones that import `subpath`, against
 * a redis-server of the test's own: the example's `redis://127.0.0.1:6379`
 * becomes the server's URL. Their `// →` notes are checked as in the README
 * test.
 */
const EXAMPLE_URL = 'redis://127.0.0.1:6379';

export function testRedisReadmeExamples(workspaceUrl: URL, subpath: string, readmeName = 'README.md'): void {
  const workspaceDir = fileURLToPath(workspaceUrl);
  const examples = extractExamples(readFileSync(join(workspaceDir, readmeName), 'utf8')).filter(
    (example) => !example.run && example.code.includes(`from '${subpath}'`),
  );
  // A folder of its own: the README test empties .readme-examples while it collects.
  const outDir = join(workspaceDir, '.readme-redis');

  describeWithRedis(`${readmeName} examples that need Redis`, (redis) => {
    it('has some', () => {
      expect(examples.length).toBeGreaterThan(0);
    });

    for (const example of examples) {
      it(`runs the example at line ${example.line}`, async () => {
        mkdirSync(outDir, { recursive: true });
        const file = join(outDir, `line-${example.line}.ts`);
        writeFileSync(file, example.code.replaceAll(EXAMPLE_URL, redis.server.url));
        const printed: string[] = [];
        const original = console.log;
        console.log = (...args: unknown[]) => void printed.push(format(...args));
        try {
          await import(/* @vite-ignore */ pathToFileURL(file).href);
        } finally {
          console.log = original;
          rmSync(file, { force: true });
        }
        expect(printed, `output of the README example at line ${example.line}`).toEqual(example.expectedOutput);
      });
    }
  });
}
