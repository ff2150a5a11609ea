import { testOtelIsolation } from '../../../scripts/lib/otel-isolation.ts';

testOtelIsolation('@palisade/messaging', new URL('.', import.meta.url), [
  './index.ts',
  './primitives.ts',
  './testing.ts',
  './redis.ts',
]);
