import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { publicPackages } from './lib/workspace.ts';

// Until the sandbox lands (issue 7), `npm start` says what is here and how to try it.
console.log('palisade: resilience and security primitives\n');
for (const pkg of publicPackages()) {
  const { description } = JSON.parse(readFileSync(join(pkg.dir, 'package.json'), 'utf8')) as { description: string };
  console.log(`  ${pkg.name.padEnd(22)} ${description}`);
}
console.log(`
The teaching sandbox (apps/sandbox) is not built yet; this command will serve it.

  npm test         lint, typecheck, unit tests, packaging checks, consumer test
  npm run bench    benchmarks against cockatiel, opossum, p-queue and tweetnacl
  CONTRIBUTING.md  how the workspace works
`);
