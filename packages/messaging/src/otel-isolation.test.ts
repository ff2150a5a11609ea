import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadedModules } from '../../../scripts/lib/import-graph.ts';
import { externalImports } from '../../../scripts/lib/static-imports.ts';

const openTelemetry = (urls: readonly string[]) => urls.filter((url) => url.includes('/@opentelemetry/'));
const source = (file: string) => fileURLToPath(new URL(file, import.meta.url));
const staticOpenTelemetry = (entry: string) =>
  [...externalImports(source(entry)).keys()].filter((specifier) => specifier.startsWith('@opentelemetry/'));

describe('OpenTelemetry stays behind the otel subpath', () => {
  it('importing the root entry loads no @opentelemetry/* module', () => {
    expect(openTelemetry(loadedModules('@palisade/messaging'))).toEqual([]);
  });

  it.each(['./index.ts', './primitives.ts', './testing.ts', './redis.ts'])(
    'nor does %s, or any entry but otel, name one, not even for a type (it would reach the published .d.ts)',
    (entry) => {
      expect(staticOpenTelemetry(entry)).toEqual([]);
    },
  );

  it('the otel entry does load @opentelemetry/api (so the checks above can see it)', () => {
    expect(
      openTelemetry(loadedModules('@palisade/messaging/otel')).some((url) => url.includes('/@opentelemetry/api/')),
    ).toBe(true);
    expect(staticOpenTelemetry('./otel.ts')).toEqual(['@opentelemetry/api']);
  });
});
