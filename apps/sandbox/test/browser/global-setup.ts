import { chromiumMissing, SKIP_MESSAGE } from './chromium.ts';
import { buildApp } from './server.ts';

/** Builds the app once for all browser test files, unless they are going to skip. */
export default async function setup(): Promise<void> {
  if (chromiumMissing) {
    if (process.env.CI === 'true') return; // Each file fails with the reason.
    console.warn(SKIP_MESSAGE);
    return;
  }
  await buildApp();
}
