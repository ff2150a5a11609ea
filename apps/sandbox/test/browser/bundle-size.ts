import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

/** Bytes of the built app's JS and CSS, each file gzipped at level 9, as a server would send them. */
export function gzipSizes(buildDir: string): { js: number; css: number } {
  const assets = join(buildDir, 'assets');
  let js = 0;
  let css = 0;
  for (const file of readdirSync(assets)) {
    const size = gzipSync(readFileSync(join(assets, file)), { level: 9 }).length;
    if (file.endsWith('.js')) js += size;
    else if (file.endsWith('.css')) css += size;
  }
  return { js, css };
}
