import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const packagesDir = fileURLToPath(new URL('../../packages', import.meta.url));
const specifiers = /(?:\bfrom\s*|\bimport\s*\(\s*|^\s*import\s+)['"]([^'"]+)['"]/gm;

/** Where a workspace source import lands: `./x.js` is `./x.ts`, `@palisade/p` is p's `src/index.ts`, `@palisade/p/s` its `src/s.ts`. */
function resolveSource(specifier: string, from: string): string | undefined {
  if (specifier.startsWith('.')) return resolve(dirname(from), specifier.replace(/\.js$/, '.ts'));
  const palisade = /^@palisade\/([a-z-]+)(?:\/([a-z-]+(?:\/[a-z-]+)*))?$/.exec(specifier);
  if (palisade === null) return undefined;
  const file = join(packagesDir, palisade[1] as string, 'src', `${palisade[2] ?? 'index'}.ts`);
  return existsSync(file) ? file : undefined;
}

/**
 * Every package outside the workspace that `entry` reaches through its static
 * and dynamic imports (type-only imports included: they reach the published
 * `.d.ts`), following relative imports and `@palisade/*` into their sources.
 * Maps each such specifier to the first file found importing it.
 */
export function externalImports(entry: string): Map<string, string> {
  const found = new Map<string, string>();
  const seen = new Set<string>();
  const queue = [resolve(entry)];
  for (let file = queue.pop(); file !== undefined; file = queue.pop()) {
    if (seen.has(file)) continue;
    seen.add(file);
    for (const match of readFileSync(file, 'utf8').matchAll(specifiers)) {
      const specifier = match[1] as string;
      if (specifier.startsWith('node:')) continue;
      const target = resolveSource(specifier, file);
      if (target !== undefined) queue.push(target);
      else if (!found.has(specifier)) found.set(specifier, relative(packagesDir, file));
    }
  }
  return found;
}
