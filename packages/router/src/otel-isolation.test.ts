import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { externalImports } from '../../../scripts/lib/import-graph.ts';

const source = (file: string) => fileURLToPath(new URL(file, import.meta.url));
const openTelemetry = (imports: Map<string, string>) =>
  [...imports].filter(([specifier]) => specifier.startsWith('@opentelemetry/'));

describe('OpenTelemetry stays behind the otel subpath', () => {
  it('the root entry never reaches @opentelemetry/*, not even for a type', () => {
    expect(openTelemetry(externalImports(source('./index.ts')))).toEqual([]);
  });

  it('the otel entry does (so the check above can see it)', () => {
    expect(openTelemetry(externalImports(source('./otel.ts'))).map(([specifier]) => specifier)).toEqual([
      '@opentelemetry/api',
    ]);
  });
});
