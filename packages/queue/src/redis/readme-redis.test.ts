import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { format } from 'node:util';
import { expect, it } from 'vitest';
import { extractExamples } from '../../../../scripts/lib/readme-blocks.ts';
import { describeWithRedis } from '../../../../scripts/lib/redis-test.ts';

/**
 * The README's Redis examples are fenced `ts no-run`, because the README
 * test has no Redis. Here each of them runs against a redis-server of its
 * own: the example's `redis://127.0.0.1:6379` becomes the test server's URL,
 * and its `// →` notes must hold, as in the README test.
 */
const packageDir = fileURLToPath(new URL('../../', import.meta.url));
const outDir = join(packageDir, '.readme-redis');
const examples = extractExamples(readFileSync(join(packageDir, 'README.md'), 'utf8')).filter(
  (example) => !example.run && example.code.includes("from '@palisade/queue/redis'"),
);

describeWithRedis('README examples on Redis', (fixture) => {
  it('has examples on Redis', () => {
    expect(examples.length).toBeGreaterThan(0);
  });

  for (const example of examples) {
    it(`runs the example at line ${example.line}`, async () => {
      mkdirSync(outDir, { recursive: true });
      const file = join(outDir, `line-${example.line}.ts`);
      writeFileSync(file, example.code.replaceAll('redis://127.0.0.1:6379', fixture.server.url));
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
