import { testOtelIsolation } from '../../../scripts/lib/otel-isolation.ts';

testOtelIsolation('@palisade/breaker', new URL('.', import.meta.url), ['./index.ts', './redis.ts']);
