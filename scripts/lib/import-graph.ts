import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const sourceImports = fileURLToPath(new URL('./source-imports.ts', import.meta.url));

/** Registered after source-imports.ts, so it runs first and sees every URL the chain resolves to. */
const recorder = `
import { registerHooks } from 'node:module';
const loaded = [];
registerHooks({
  resolve(specifier, context, nextResolve) {
    const result = nextResolve(specifier, context);
    loaded.push(result.url);
    return result;
  },
});
process.on('exit', () => process.stdout.write(JSON.stringify(loaded)));
`;

/**
 * Every module URL that `import(specifier)` loads, in a fresh Node process,
 * with the packages mapped to their sources (source-imports.ts). What tests
 * use to prove that an entry point does not load an optional engine.
 */
export function loadedModules(specifier: string): string[] {
  const run = spawnSync(
    process.execPath,
    [
      '--no-warnings',
      '--import',
      sourceImports,
      '--import',
      `data:text/javascript,${encodeURIComponent(recorder)}`,
      '--input-type=module',
      '--eval',
      `await import(${JSON.stringify(specifier)});`,
    ],
    { encoding: 'utf8', timeout: 30_000 },
  );
  if (run.status !== 0) throw new Error(`importing ${specifier} failed:\n${run.stderr}`);
  return JSON.parse(run.stdout) as string[];
}
