import { testOtelIsolation } from '../../../scripts/lib/otel-isolation.ts';

testOtelIsolation('@palisade/router', new URL('.', import.meta.url), ['./index.ts']);
