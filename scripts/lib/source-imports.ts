import { registerHooks } from 'node:module';

/**
 * `node --import ./scripts/lib/source-imports.ts worker.ts` runs a script
 * against the packages' sources, as Vitest does, with no build: it maps
 * `@palisade/<package>` to `packages/<package>/src/index.ts` (and a subpath
 * such as `@palisade/breaker/redis` to `src/redis.ts`, `@palisade/core/internal/redis`
 * to `src/internal/redis.ts`), and the `.js` extensions that the sources
 * import by to the `.ts` files beside them.
 * Node's type stripping does the rest. Tests use it for child processes.
 */
const packagesUrl = new URL('../../packages/', import.meta.url);
const palisadeSpecifier = /^@palisade\/([a-z-]+)(?:\/([a-z-]+(?:\/[a-z-]+)*))?$/;

registerHooks({
  resolve(specifier, context, nextResolve) {
    const match = palisadeSpecifier.exec(specifier);
    if (match !== null) {
      return { url: new URL(`${match[1]}/src/${match[2] ?? 'index'}.ts`, packagesUrl).href, shortCircuit: true };
    }
    if (specifier.startsWith('.') && specifier.endsWith('.js') && context.parentURL?.startsWith(packagesUrl.href)) {
      try {
        return nextResolve(specifier, context);
      } catch (error) {
        if ((error as { code?: string }).code !== 'ERR_MODULE_NOT_FOUND') throw error;
        return nextResolve(`${specifier.slice(0, -'.js'.length)}.ts`, context);
      }
    }
    return nextResolve(specifier, context);
  },
});
