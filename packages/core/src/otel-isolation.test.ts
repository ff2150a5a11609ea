import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadedModules } from '../../../scripts/lib/import-graph.ts';
import { externalImports } from '../../../scripts/lib/static-imports.ts';

const source = (file: string) => fileURLToPath(new URL(file, import.meta.url));

// Core's instrumentation helpers type the meter provider by its shape, so that
// core stays free of OpenTelemetry: the packages' otel subpaths import it, never core.
describe('core never reaches @opentelemetry/*', () => {
  it.each(['@palisade/core', '@palisade/core/internal'])('importing %s loads no @opentelemetry/* module', (entry) => {
    expect(loadedModules(entry).filter((url) => url.includes('/@opentelemetry/'))).toEqual([]);
  });

  it.each(['./index.ts', './internal.ts'])('%s names none, not even for a type', (entry) => {
    expect([...externalImports(source(entry)).keys()].filter((s) => s.startsWith('@opentelemetry/'))).toEqual([]);
  });
});
