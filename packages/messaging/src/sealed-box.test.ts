import { describe, expect, it } from 'vitest';
import { makeWorld, read, text, thrown } from './fixtures.test-util.js';
import { openSealed, SEALED_BOX_OVERHEAD, sealTo } from './sealed-box.js';

describe('sealed box', () => {
  it('opens only for its recipient, with the same context', () => {
    const { nodes } = makeWorld(['alice', 'bob']);
    const sealed = sealTo(nodes.bob!.publicIdentity, text('bootstrap token'), { context: 'enrol' });
    expect(sealed.length).toBe(SEALED_BOX_OVERHEAD + 15);
    expect(read(openSealed(nodes.bob!, sealed, { context: 'enrol' }))).toBe('bootstrap token');
    expect(thrown(() => openSealed(nodes.alice!, sealed, { context: 'enrol' })).code).toBe(
      'ERR_PALISADE_MESSAGING_AUTHENTICATION_FAILED',
    );
    expect(thrown(() => openSealed(nodes.bob!, sealed)).code).toBe('ERR_PALISADE_MESSAGING_AUTHENTICATION_FAILED');
  });

  it('refuses every single-bit flip, truncation and low-order ephemeral keys with typed errors', () => {
    const { nodes } = makeWorld(['bob']);
    const sealed = sealTo(nodes.bob!, text('hi'));
    for (let bit = 0; bit < sealed.length * 8; bit++) {
      const forged = Uint8Array.from(sealed);
      forged[bit >> 3]! ^= 1 << (bit & 7);
      expect(thrown(() => openSealed(nodes.bob!, forged)).code, `bit ${bit}`).toMatch(/^ERR_PALISADE_/);
    }
    expect(thrown(() => openSealed(nodes.bob!, sealed.subarray(0, 40))).code).toBe(
      'ERR_PALISADE_MESSAGING_MALFORMED_MESSAGE',
    );
    const lowOrder = Uint8Array.from(sealed);
    lowOrder.fill(0, 4, 36);
    expect(thrown(() => openSealed(nodes.bob!, lowOrder)).code).toBe('ERR_PALISADE_MESSAGING_LOW_ORDER_POINT');
  });

  it('refuses to seal to a low-order public key', () => {
    expect(thrown(() => sealTo(new Uint8Array(32), text('x'))).code).toBe('ERR_PALISADE_MESSAGING_LOW_ORDER_POINT');
  });
});
