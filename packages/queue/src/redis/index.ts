export type { RedisConnection } from './connection.js';
export { redisEngine } from './engine.js';
export type { RedisEngineOptions } from './options.js';
