import { writeFileSync } from 'node:fs';
import type { Suite } from './harness.ts';

// One suite per process: a suite's leftover timers, garbage and JIT state
// must not tilt the figures of the next one.
const [name, outFile] = process.argv.slice(2) as [string, string];
const suite = ((await import(`./suites/${name}.ts`)) as { default: Suite }).default;
const skipped = suite.unavailable?.();
const section = skipped === undefined ? { title: suite.title, body: await suite.run() } : { skipped };
writeFileSync(outFile, JSON.stringify(section));
process.exit(0);
