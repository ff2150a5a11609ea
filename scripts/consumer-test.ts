import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { extractExamples, importedPackages, installLines } from './lib/readme-blocks.ts';
import { run, step } from './lib/run.ts';
import { type PublicPackage, publicPackages, repoRoot } from './lib/workspace.ts';

/**
 * The consumer test: what an npm user gets. Packs every public package and
 * installs the tarballs into fresh projects outside the workspace, once with
 * npm's default (hoisted) layout and once with `--install-strategy=linked`,
 * where a package sees only what it declares, so hoisting cannot hide a
 * missing dependency. Each project has its own cockatiel 4, as an app would.
 *
 * In each layout: every package is imported from ESM, the per-package usage
 * in scripts/consumer/<folder>.mjs runs (the `otel` subpaths with the
 * OpenTelemetry SDK among them), scripts/consumer/<folder>.ts type-checks with
 * moduleResolution nodenext and bundler, and the root entry points are shown
 * not to load `@opentelemetry/*`. Then each README's examples run in a project
 * that installed exactly what its `npm install` lines name.
 */
const only = process.argv.slice(2);
const packages = publicPackages().filter((pkg) => only.length === 0 || only.includes(pkg.name));
const work = mkdtempSync(join(tmpdir(), 'palisade-consumer-'));
const consumerDir = join(repoRoot, 'scripts/consumer');
const tsc = join(repoRoot, 'node_modules/typescript/bin/tsc');
const folderOf = (pkg: PublicPackage) => basename(pkg.dir);
type Strategy = 'hoisted' | 'linked';

/**
 * The version range a user installs for a package that is not ours: what our
 * packages ask for, or else what their own tests run against (an
 * OpenTelemetry SDK, which a user brings and our packages only test with).
 */
function rangeOf(name: string): string {
  const manifests = publicPackages().map((pkg) => JSON.parse(readFileSync(join(pkg.dir, 'package.json'), 'utf8')));
  for (const field of ['peerDependencies', 'dependencies', 'devDependencies']) {
    for (const manifest of manifests) {
      const range = manifest[field]?.[name];
      if (range !== undefined) return range;
    }
  }
  throw new Error(`no public package depends on ${name}, so the consumer test does not know which version to install`);
}

/** What the app installs beside our tarballs: its own cockatiel, and an OpenTelemetry SDK for the `otel` subpaths. */
const appDependencies = ['cockatiel', '@opentelemetry/api', '@opentelemetry/sdk-metrics'];

/**
 * Imports every root entry point with a resolve hook that records each
 * specifier, and fails if one of them reached `@opentelemetry/*`: a package
 * that is not instrumented must not load it, even when it is installed.
 */
function rootEntriesSkipOpenTelemetry(project: string): void {
  const check = `import { registerHooks } from 'node:module';
const resolved = [];
registerHooks({ resolve(specifier, context, next) { resolved.push(specifier); return next(specifier, context); } });
${packages.map((pkg) => `await import('${pkg.name}');`).join('\n')}
const otel = resolved.filter((specifier) => specifier.startsWith('@opentelemetry/'));
if (otel.length > 0) throw new Error('a root entry point loaded ' + otel.join(', '));
if (!resolved.includes('cockatiel')) throw new Error('the resolve hook saw nothing: the check is broken');
console.log('root entries loaded ' + resolved.length + ' modules, none of them @opentelemetry/*');
`;
  writeFileSync(join(project, 'roots.mjs'), check);
  console.log(run(process.execPath, ['roots.mjs'], { cwd: project }).trim());
}

/**
 * A project that depends on `dependencies`. Our packages are not on the
 * registry, so wherever one of them is needed but not asked for directly (the
 * router's @palisade/breaker, say), an override points it at its tarball.
 */
function createProject(
  name: string,
  dependencies: Record<string, string>,
  strategy: Strategy,
  tarballs: Map<string, string>,
): string {
  const dir = join(work, name);
  mkdirSync(dir);
  const overrides = Object.fromEntries(
    [...tarballs].filter(([pkg]) => !(pkg in dependencies)).map(([pkg, file]) => [pkg, `file:${file}`]),
  );
  writeFileSync(
    join(dir, 'package.json'),
    JSON.stringify({ name: `palisade-${name}`, private: true, type: 'module', dependencies, overrides }, null, 2),
  );
  run(
    'npm',
    ['install', `--install-strategy=${strategy}`, '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error'],
    { cwd: dir },
  );
  return dir;
}

/**
 * Type-checks the consumer files with `skipLibCheck: false`, so our
 * declarations are checked too. `lib` ES2023 predates `Symbol.asyncDispose`;
 * ESNext declares it itself, and ours must agree with it.
 */
function typeCheck(project: string, resolution: 'nodenext' | 'bundler', lib: 'es2023' | 'esnext'): number {
  const dir = join(project, `ts-${resolution}-${lib}`);
  mkdirSync(dir);
  const sources = packages.map((pkg, index) => {
    const usage = join(consumerDir, `${folderOf(pkg)}.ts`);
    if (existsSync(usage)) return readFileSync(usage, 'utf8');
    return `import * as pkg${index} from '${pkg.name}';\nexport const exports${index}: string[] = Object.keys(pkg${index});\n`;
  });
  for (const [index, source] of sources.entries()) writeFileSync(join(dir, `consumer-${index}.ts`), source);
  writeFileSync(
    join(dir, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        module: resolution === 'nodenext' ? 'nodenext' : 'esnext',
        moduleResolution: resolution,
        target: 'es2022',
        lib: [lib, 'dom'],
        strict: true,
        noEmit: true,
        skipLibCheck: false,
        types: [],
      },
      include: ['./*.ts'],
    }),
  );
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ type: 'module' }));
  run(process.execPath, [tsc, '-p', dir], { cwd: dir });
  return sources.length;
}

function useEveryPackage(tarballs: Map<string, string>, strategy: Strategy): void {
  step(
    `Installing every tarball, and the app's own ${appDependencies.map((name) => `${name} ${rangeOf(name)}`).join(', ')}, with --install-strategy=${strategy}`,
  );
  const project = createProject(
    `app-${strategy}`,
    {
      ...Object.fromEntries([...tarballs].map(([name, file]) => [name, `file:${file}`])),
      ...Object.fromEntries(appDependencies.map((name) => [name, rangeOf(name)])),
    },
    strategy,
    tarballs,
  );
  rootEntriesSkipOpenTelemetry(project);
  step(`[${strategy}] Importing every package from ESM and running scripts/consumer/*.mjs`);
  const imports = packages.map(
    (pkg, index) =>
      `import * as pkg${index} from '${pkg.name}';\nif (Object.keys(pkg${index}).length === 0) throw new Error('${pkg.name} exports nothing');`,
  );
  for (const pkg of packages) {
    const usage = join(consumerDir, `${folderOf(pkg)}.mjs`);
    if (!existsSync(usage)) continue;
    imports.push(`import './${folderOf(pkg)}.mjs';`);
    writeFileSync(join(project, `${folderOf(pkg)}.mjs`), readFileSync(usage));
  }
  writeFileSync(
    join(project, 'index.mjs'),
    `${imports.join('\n')}\nconsole.log('imported ${packages.length} packages');\n`,
  );
  console.log(run(process.execPath, ['index.mjs'], { cwd: project }).trim());
  for (const [resolution, lib] of [
    ['nodenext', 'es2023'],
    ['bundler', 'es2023'],
    ['nodenext', 'esnext'],
  ] as const) {
    console.log(
      `[${strategy}] type-checked ${typeCheck(project, resolution, lib)} consumer files with moduleResolution ${resolution} and lib ${lib}`,
    );
  }
}

/** An app on cockatiel 3 must be stopped by npm, not given a second copy whose classes its `instanceof` would miss. */
function refuseCockatiel3(tarballs: Map<string, string>): void {
  step('An app on cockatiel 3: npm must refuse the install (peer dependency conflict)');
  const dir = join(work, 'app-cockatiel-3');
  mkdirSync(dir);
  const dependencies = {
    '@palisade/core': `file:${tarballs.get('@palisade/core')}`,
    '@palisade/breaker': `file:${tarballs.get('@palisade/breaker')}`,
    cockatiel: '^3.2.1',
  };
  writeFileSync(
    join(dir, 'package.json'),
    JSON.stringify({ name: 'palisade-app-cockatiel-3', private: true, type: 'module', dependencies }),
  );
  const install = spawnSync('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline'], {
    cwd: dir,
    encoding: 'utf8',
  });
  const output = `${install.stdout}${install.stderr}`;
  if (install.status === 0 || !output.includes('ERESOLVE')) {
    throw new Error(`npm installed palisade beside cockatiel 3 instead of refusing:\n${output}`);
  }
  console.log('ok: npm refused with ERESOLVE');
}

/** Runs a README's examples in a project that installed exactly what its `npm install` line names. */
function runReadmeExamples(pkg: PublicPackage, tarballs: Map<string, string>): void {
  const readme = readFileSync(join(pkg.dir, 'README.md'), 'utf8');
  const installed = installLines(readme);
  if (!installed.includes(pkg.name)) throw new Error(`${pkg.name}'s README has no \`npm install ${pkg.name}\` line`);
  const examples = extractExamples(readme).filter((example) => example.run);
  for (const example of examples) {
    const missing = importedPackages(example.code).filter((name) => !installed.includes(name));
    if (missing.length > 0) {
      throw new Error(
        `${pkg.name} README line ${example.line} imports ${missing.join(', ')}, which its install lines (npm install ${installed.join(' ')}) do not name`,
      );
    }
  }
  step(`[linked] npm install ${installed.join(' ')}: ${examples.length} README examples of ${pkg.name}`);
  const dependencies = Object.fromEntries(
    installed.map((name) => {
      const tarball = tarballs.get(name);
      return [name, tarball === undefined ? rangeOf(name) : `file:${tarball}`];
    }),
  );
  const project = createProject(`readme-${folderOf(pkg)}`, dependencies, 'linked', tarballs);
  for (const example of examples) {
    const file = join(project, `line-${example.line}.ts`);
    writeFileSync(file, example.code);
    const printed = run(process.execPath, [file], { cwd: project }).split('\n');
    if (printed.at(-1) === '') printed.pop();
    if (JSON.stringify(printed) !== JSON.stringify(example.expectedOutput)) {
      throw new Error(
        `${pkg.name} README line ${example.line} printed\n${printed.join('\n')}\nwhere its // → notes say\n${example.expectedOutput.join('\n')}`,
      );
    }
  }
  console.log(`ok: ${examples.length} examples ran from the tarballs`);
}

try {
  step(`Packing ${packages.map((p) => p.name).join(', ')}`);
  const tarballs = new Map<string, string>();
  for (const pkg of publicPackages()) {
    if (!existsSync(join(pkg.dir, 'dist/index.js')))
      throw new Error(`${pkg.name} is not built: run npm run build first.`);
    const packed = JSON.parse(run('npm', ['pack', '--json', '--pack-destination', work], { cwd: pkg.dir })) as [
      { filename: string },
    ];
    tarballs.set(pkg.name, join(work, basename(packed[0].filename)));
  }
  for (const strategy of ['hoisted', 'linked'] as const) useEveryPackage(tarballs, strategy);
  if (only.length === 0 || only.includes('@palisade/breaker')) refuseCockatiel3(tarballs);
  for (const pkg of packages) runReadmeExamples(pkg, tarballs);
  console.log('\nconsumer test passed');
} finally {
  rmSync(work, { recursive: true, force: true });
}
