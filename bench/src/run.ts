import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { machineLine } from './harness.ts';

const suitesDir = fileURLToPath(new URL('./suites/', import.meta.url));
const resultsPath = fileURLToPath(new URL('../RESULTS.md', import.meta.url));
const only = process.argv.slice(2).filter((arg) => !arg.startsWith('-'));

const preamble = `# Benchmark results

Written by \`npm run bench\` (every suite) or \`npm run bench -- <suite> …\` (only those suites; the
other sections stay as they were, each with the machine and date it was measured on).

Benchmarks are not tests: the performance targets of the issues are checked here, never in a timed
unit test. Every figure compares palisade with its anchors in the same process and run. The
machines are shared and noisy, so each comparison runs several rounds in rotated order and reports
the median of the rounds' medians, plus each round's median to show the spread. Read the ratios
more than the absolute numbers.
`;

const sectionPattern = /<!-- suite:(\S+) -->\n[\s\S]*?<!-- \/suite:\1 -->\n/g;
const previous = new Map<string, string>();
if (existsSync(resultsPath)) {
  for (const match of readFileSync(resultsPath, 'utf8').matchAll(sectionPattern)) {
    previous.set(match[1] as string, match[0]);
  }
}

const names = readdirSync(suitesDir)
  .filter((file) => file.endsWith('.ts'))
  .map((file) => basename(file, '.ts'))
  .sort();
const unknown = only.filter((name) => !names.includes(name));
if (unknown.length > 0) {
  console.error(`No suite named ${unknown.join(', ')}. Suites: ${names.join(', ')}.`);
  process.exit(2);
}

const sections = new Map(previous);
const selected = only.length > 0 ? names.filter((name) => only.includes(name)) : names;
for (const [index, name] of selected.entries()) {
  const started = performance.now();
  process.stdout.write(`[${index + 1}/${selected.length}] ${name} … `);
  const outDir = mkdtempSync(join(tmpdir(), 'palisade-bench-'));
  const outFile = join(outDir, 'section.json');
  const child = spawnSync(
    process.execPath,
    ['--expose-gc', fileURLToPath(new URL('./run-suite.ts', import.meta.url)), name, outFile],
    {
      stdio: ['ignore', 'inherit', 'inherit'],
    },
  );
  if (child.status !== 0) {
    console.error(`suite ${name} failed (exit ${child.status}); its previous section is kept.`);
    process.exitCode = 1;
    continue;
  }
  const suite = JSON.parse(readFileSync(outFile, 'utf8')) as { title: string; body: string } | { skipped: string };
  rmSync(outDir, { recursive: true, force: true });
  if ('skipped' in suite) {
    console.log(`skipped: ${suite.skipped} Its previous section is kept.`);
    continue;
  }
  const body = suite.body;
  sections.set(
    name,
    `<!-- suite:${name} -->\n## ${suite.title}\n\n_Measured ${machineLine()}. Reproduce: \`npm run bench -- ${name}\`._\n\n${body.trim()}\n<!-- /suite:${name} -->\n`,
  );
  console.log(`${((performance.now() - started) / 1000).toFixed(1)} s`);
}

const ordered = names.filter((name) => sections.has(name)).map((name) => sections.get(name));
writeFileSync(resultsPath, `${preamble}\n${ordered.join('\n')}`);
console.log(`Wrote ${resultsPath}`);
