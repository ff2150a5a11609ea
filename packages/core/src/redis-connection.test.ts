import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InvalidOptionError } from './errors.js';
import { checkConnection } from './redis-connection.js';

const check = { keyPrefixRefusal: 'the keys carry hash tags of their own' };

/** The error `checkConnection` throws for `connection`, which must be an `InvalidOptionError`. */
function refusal(connection: unknown, options: Parameters<typeof checkConnection>[1] = check): InvalidOptionError {
  try {
    checkConnection(connection, options);
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidOptionError);
    return error as InvalidOptionError;
  }
  throw new Error(`checkConnection accepted ${JSON.stringify(connection)}`);
}

describe('checkConnection', () => {
  it.each([
    ['a redis:// URL', 'redis://127.0.0.1:6379'],
    ['a rediss:// URL', 'rediss://cache.example:6380/2'],
    ['ioredis options', { host: '127.0.0.1', port: 6379 }],
    ['an empty options object (ioredis defaults)', {}],
    ['cluster seed nodes', { cluster: [{ host: '127.0.0.1', port: 7000 }] }],
    ['a cluster whose options carry a keyPrefix for its nodes', { cluster: [7000], options: { keyPrefix: 'x:' } }],
  ])('accepts %s and returns it as is', (_, connection) => {
    expect(checkConnection(connection, check)).toBe(connection);
  });

  it.each([
    ['nothing', undefined],
    ['null', null],
    ['a number', 6379],
    ['a host:port without a scheme', 'localhost:6379'],
    ['an http:// URL', 'http://127.0.0.1:6379'],
    ['an array', [{ host: '127.0.0.1' }]],
  ])('refuses %s, naming the option and what it takes', (_, connection) => {
    const error = refusal(connection);
    expect(error.code).toBe('ERR_PALISADE_INVALID_OPTION');
    expect(error.option).toBe('connection');
    expect(error.message).toBe(
      new InvalidOptionError(
        'connection',
        'a redis:// URL, ioredis options ({ host, port }), or { cluster: [{ host, port }, …] }',
        connection,
      ).message,
    );
  });

  it.each([
    ['an empty list', []],
    ['a list that is not an array', { 0: { host: '127.0.0.1' } }],
    ['nothing', undefined],
  ])('refuses a cluster of %s', (_, cluster) => {
    const error = refusal({ cluster });
    expect(error.option).toBe('connection.cluster');
    expect(error.message).toBe(
      new InvalidOptionError('connection.cluster', 'a non-empty array of cluster nodes', cluster).message,
    );
  });

  it("refuses ioredis' keyPrefix on one server, with the adapter's reason", () => {
    const error = refusal({ host: '127.0.0.1', keyPrefix: 'app:' });
    expect(error.option).toBe('connection.keyPrefix');
    expect(error.message).toBe(
      new InvalidOptionError(
        'connection.keyPrefix',
        'no value: the keys carry hash tags of their own (use prefix)',
        'app:',
      ).message,
    );
  });

  it('names the path it is given in every refusal', () => {
    const options = { ...check, path: 'link.connection' };
    expect(refusal(42, options).option).toBe('link.connection');
    expect(refusal({ cluster: [] }, options).option).toBe('link.connection.cluster');
    expect(refusal({ keyPrefix: 'x' }, options).option).toBe('link.connection.keyPrefix');
  });

  it('throws InvalidOptionError, never anything else, for any value that is not a Redis URL or an object', () => {
    const notADescription = fc.anything().filter((value) => typeof value !== 'object' || value === null);
    fc.assert(
      fc.property(notADescription, (connection) => {
        fc.pre(!(typeof connection === 'string' && /^rediss?:\/\//.test(connection)));
        expect(refusal(connection).option).toBe('connection');
      }),
    );
  });
});
