import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { run, step } from './lib/run.ts';
import { publicPackages, repoRoot } from './lib/workspace.ts';

/**
 * The consumer test: what an npm user gets. Packs every public package,
 * installs the tarballs into a fresh project outside the workspace, imports
 * each package from an ESM file, then type-checks a consumer .ts file with
 * moduleResolution nodenext and again with bundler.
 *
 * A package may add scripts/consumer/<folder>.mjs (run under Node) and
 * scripts/consumer/<folder>.ts (type-checked) to exercise real use; every
 * package gets the generic import check regardless.
 */
const only = process.argv.slice(2);
const packages = publicPackages().filter((pkg) => only.length === 0 || only.includes(pkg.name));
const work = mkdtempSync(join(tmpdir(), 'palisade-consumer-'));
const project = join(work, 'project');
const consumerDir = join(repoRoot, 'scripts/consumer');
const tsc = join(repoRoot, 'node_modules/typescript/bin/tsc');

try {
  step(`Packing ${packages.map((p) => p.name).join(', ')}`);
  const tarballs = new Map<string, string>();
  for (const pkg of packages) {
    if (!existsSync(join(pkg.dir, 'dist/index.js')))
      throw new Error(`${pkg.name} is not built: run npm run build first.`);
    const packed = JSON.parse(run('npm', ['pack', '--json', '--pack-destination', work], { cwd: pkg.dir })) as [
      { filename: string },
    ];
    tarballs.set(pkg.name, join(work, basename(packed[0].filename)));
  }

  step(`Installing the tarballs into ${project}`);
  mkdirSync(project);
  writeFileSync(
    join(project, 'package.json'),
    JSON.stringify(
      {
        name: 'palisade-consumer',
        private: true,
        type: 'module',
        dependencies: Object.fromEntries([...tarballs].map(([name, file]) => [name, `file:${file}`])),
      },
      null,
      2,
    ),
  );
  run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error'], { cwd: project });

  step('Importing every package from ESM');
  const folderOf = (pkg: { dir: string }) => basename(pkg.dir);
  const imports = packages.map(
    (pkg, index) =>
      `import * as pkg${index} from '${pkg.name}';\nif (Object.keys(pkg${index}).length === 0) throw new Error('${pkg.name} exports nothing');`,
  );
  for (const pkg of packages) {
    const usage = join(consumerDir, `${folderOf(pkg)}.mjs`);
    if (existsSync(usage)) imports.push(`import './${folderOf(pkg)}.mjs';`);
    if (existsSync(usage)) writeFileSync(join(project, `${folderOf(pkg)}.mjs`), readFileSync(usage));
  }
  writeFileSync(
    join(project, 'index.mjs'),
    `${imports.join('\n')}\nconsole.log('imported ${packages.length} packages');\n`,
  );
  console.log(run(process.execPath, ['index.mjs'], { cwd: project }).trim());

  for (const resolution of ['nodenext', 'bundler'] as const) {
    step(`Type-checking a consumer with moduleResolution ${resolution}`);
    const dir = join(project, `ts-${resolution}`);
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
          lib: ['es2023', 'dom'],
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
    console.log(`ok: ${sources.length} files`);
  }
  console.log('\nconsumer test passed');
} finally {
  rmSync(work, { recursive: true, force: true });
}
