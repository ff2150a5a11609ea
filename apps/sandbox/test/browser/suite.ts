import { afterAll, beforeAll, describe, it } from 'vitest';
import { CHROMIUM, chromiumMissing, type LaunchedBrowser, launchChromium, SKIP_MESSAGE } from './chromium.ts';
import { serveApp } from './server.ts';

export interface BrowserFixture {
  /** The served app's address, ending in "/". */
  url: string;
  browser: LaunchedBrowser;
}

/**
 * A describe block with the app served and Chromium running. Without
 * Chromium it skips, saying how to enable it; under CI=true it fails.
 */
export function describeInBrowser(name: string, body: (fixture: BrowserFixture) => void): void {
  if (chromiumMissing) {
    if (process.env.CI === 'true') {
      describe(name, () => {
        it('needs Chromium', () => {
          throw new Error(
            `${CHROMIUM} is missing, and CI=true requires the browser tests. apt-get install -y chromium`,
          );
        });
      });
    } else {
      describe.skip(`${name} (${SKIP_MESSAGE})`, () => {
        it('skipped', () => {});
      });
    }
    return;
  }
  describe(name, () => {
    const fixture = {} as BrowserFixture;
    let closeServer: (() => Promise<void>) | undefined;
    beforeAll(async () => {
      const server = await serveApp();
      closeServer = server.close;
      fixture.url = server.url;
      fixture.browser = await launchChromium();
    });
    afterAll(async () => {
      await fixture.browser?.close();
      await closeServer?.();
    });
    body(fixture);
  });
}
