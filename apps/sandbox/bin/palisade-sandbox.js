#!/usr/bin/env node
// The sandbox ships as TypeScript and runs on Node's own type stripping,
// which Node 22.18 and later have on by default.
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 18)) {
  console.error(
    `palisade-sandbox needs Node 22.18 or later; this is ${process.version}. From the repository, run it through npm (npm run tour) or npx, which use the pinned Node.`,
  );
  process.exit(1);
}
const { main } = await import('../src/tour/cli.ts');
process.exitCode = await main(process.argv.slice(2));
