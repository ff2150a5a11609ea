import { testRedisReadmeExamples } from '../../../scripts/lib/readme-redis-examples.ts';

testRedisReadmeExamples(new URL('..', import.meta.url), '@palisade/breaker/redis');
