import { existsSync } from 'node:fs';
import { registerHooks } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';

/**
 * Loaded with `node --import` by the worker processes of the Redis tests, so
 * they run the package's TypeScript sources as the tests do: `./x.js` imports
 * resolve to `./x.ts` (Node strips the types), and `@palisade/<name>` to the
 * sibling package's sources, as Vitest's alias does.
 */
const packagesDir = fileURLToPath(new URL('../../../', import.meta.url));

registerHooks({
  resolve(specifier, context, nextResolve) {
    const palisade = /^@palisade\/([a-z-]+)(?:\/([a-z-]+(?:\/[a-z-]+)*))?$/.exec(specifier);
    if (palisade !== null) {
      const file = palisade[2] === undefined ? `${palisade[1]}/src/index.ts` : `${palisade[1]}/src/${palisade[2]}.ts`;
      return { url: pathToFileURL(`${packagesDir}${file}`).href, shortCircuit: true };
    }
    if (specifier.startsWith('.') && specifier.endsWith('.js') && context.parentURL?.startsWith('file:')) {
      const url = new URL(specifier, context.parentURL);
      if (!existsSync(url) && existsSync(new URL(specifier.replace(/\.js$/, '.ts'), context.parentURL))) {
        return { url: new URL(specifier.replace(/\.js$/, '.ts'), context.parentURL).href, shortCircuit: true };
      }
    }
    return nextResolve(specifier, context);
  },
});
