import { testOtelIsolation } from '../../../scripts/lib/otel-isolation.ts';

testOtelIsolation('@palisade/queue', new URL('.', import.meta.url), ['./index.ts', './redis.ts']);
