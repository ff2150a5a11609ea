import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { format } from 'node:util';
import { describe, expect, it } from 'vitest';
import { extractExamples } from './lib/readme-blocks.ts';

/**
 * README examples are tests, so they cannot rot. Every ```ts block in a
 * README is type-checked and then run (lib/readme-blocks.ts says how blocks
 * are read). The consumer test runs the same blocks again from the packed
 * tarballs, installed the way the README says.
 */
const repoRoot = fileURLToPath(new URL('..', import.meta.url));

/** Registers the README tests of the workspace whose folder is `workspaceUrl`. */
export function testReadmeExamples(workspaceUrl: URL, readmeName = 'README.md'): void {
  const workspaceDir = fileURLToPath(workspaceUrl);
  const readmePath = join(workspaceDir, readmeName);
  const examples = extractExamples(readFileSync(readmePath, 'utf8'));
  const outDir = join(workspaceDir, '.readme-examples');
  const files = examples.map((example) => join(outDir, `line-${example.line}.ts`));

  // Written while tests are collected, so any single test can run alone.
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  for (const [index, example] of examples.entries()) writeFileSync(files[index] as string, example.code);
  writeFileSync(
    join(outDir, 'tsconfig.json'),
    JSON.stringify({ extends: join(repoRoot, 'tsconfig.json'), include: ['./*.ts'] }),
  );

  describe(`${relative(repoRoot, readmePath)} examples`, () => {
    it('has examples', () => {
      expect(examples.length).toBeGreaterThan(0);
    });

    it('type-check', () => {
      const tsc = spawnSync(process.execPath, [join(repoRoot, 'node_modules/typescript/bin/tsc'), '-p', outDir], {
        encoding: 'utf8',
      });
      const diagnostics = `${tsc.stdout}${tsc.stderr}`.replace(
        /\S*\.readme-examples\/line-(\d+)\.ts\((\d+),(\d+)\)/g,
        (_, fenceLine: string, line: string, column: string) =>
          `${readmeName}:${Number(fenceLine) + Number(line)}:${column}`,
      );
      expect(diagnostics, 'README examples must type-check').toBe('');
      expect(tsc.status).toBe(0);
    });

    examples.forEach((example, index) => {
      it.runIf(example.run)(`runs the example at line ${example.line}`, async () => {
        const printed: string[] = [];
        const original = console.log;
        console.log = (...args: unknown[]) => void printed.push(format(...args));
        try {
          await import(/* @vite-ignore */ pathToFileURL(files[index] as string).href);
        } finally {
          console.log = original;
        }
        expect(printed, `output of the README example at line ${example.line}`).toEqual(example.expectedOutput);
      });
    });
  });
}
