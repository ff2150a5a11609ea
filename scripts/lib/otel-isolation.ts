import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadedModules } from './import-graph.ts';
import { externalImports } from './static-imports.ts';

const openTelemetry = (urls: readonly string[]) => urls.filter((url) => url.includes('/@opentelemetry/'));

/**
 * The isolation tests every package with an `otel` subpath runs: its root
 * loads no @opentelemetry module, no entry but `otel` names one (a type
 * import would reach the published .d.ts), and `otel` does load the API, so
 * that the checks can see it. `entries` are the package's entries but otel,
 * relative to `srcUrl`.
 */
export function testOtelIsolation(packageName: string, srcUrl: URL, entries: readonly string[]): void {
  const source = (file: string) => fileURLToPath(new URL(file, srcUrl));
  const staticOpenTelemetry = (entry: string) =>
    [...externalImports(source(entry)).keys()].filter((specifier) => specifier.startsWith('@opentelemetry/'));

  describe('OpenTelemetry stays behind the otel subpath', () => {
    it('importing the root entry loads no @opentelemetry/* module', () => {
      expect(openTelemetry(loadedModules(packageName))).toEqual([]);
    });

    it.each(entries)(
      'nor does %s, or any entry but otel, name one, not even for a type (it would reach the published .d.ts)',
      (entry) => {
        expect(staticOpenTelemetry(entry)).toEqual([]);
      },
    );

    it('the otel entry does load @opentelemetry/api (so the checks above can see it)', () => {
      expect(
        openTelemetry(loadedModules(`${packageName}/otel`)).some((url) => url.includes('/@opentelemetry/api/')),
      ).toBe(true);
      expect(staticOpenTelemetry('./otel.ts')).toEqual(['@opentelemetry/api']);
    });
  });
}
