import { Identity, issueToken, KeyDirectory } from '@palisade/messaging';
import { describe, expect, it } from 'vitest';
import { HQ } from './accounts.ts';
import { authoriseWrite, RELAY_RIGHT, type Sender } from './authorise.ts';
import { orderRight, type Transfer } from './transfer.ts';

const b64 = (bytes: Uint8Array): string => Buffer.from(bytes).toString('base64');

function bank() {
  const ids = [HQ, 'branch-1', 'branch-2', 'branch-3', 'customer-1', 'customer-2'];
  const identities = Object.fromEntries(ids.map((id) => [id, Identity.generate(id)])) as Record<string, Identity>;
  const directory = new KeyDirectory();
  for (const identity of Object.values(identities)) directory.register(identity.publicIdentity);
  const at = (id: string): Identity => identities[id] as Identity;
  const credential = (audience: string, issuer = HQ, right = RELAY_RIGHT): string =>
    b64(issueToken(at(issuer), { audience, rights: [right] }));
  // b2-01 is held by customer-1 (accounts are dealt round-robin over 2 customers), at branch-2.
  const transfer = (changes: Partial<Transfer> = {}, signer = 'customer-1', audience = 'branch-2'): Transfer => {
    const fields = { id: 'customer-1.7', from: 'b2-01', to: 'b3-02', amount: 40, seq: 7, customer: 'customer-1' };
    const order = b64(issueToken(at(signer), { audience, rights: [orderRight(fields)] }));
    return { ...fields, order, ...changes };
  };
  const context = { self: 'branch-2', directory, customers: 2 };
  return { at, directory, credential, transfer, context };
}

describe('authoriseWrite', () => {
  it('accepts a branch with HQ’s credential carrying the account holder’s order, and the home’s own worker', () => {
    const { credential, transfer, context } = bank();
    const sender: Sender = { peer: 'branch-1', credential: credential('branch-2') };
    expect(authoriseWrite(sender, transfer(), context)).toEqual({ ok: true });
    expect(authoriseWrite('local', transfer(), context)).toEqual({ ok: true });
  });

  it('refuses each thing an impostor can try, with the reason a monitor counts', () => {
    const { credential, transfer, context, directory } = bank();
    const good = credential('branch-2');
    const cases: [string, Sender, Transfer, string][] = [
      ['a customer on a channel', { peer: 'customer-1', credential: good }, transfer(), 'not-a-branch'],
      ['itself', { peer: 'branch-2', credential: good }, transfer(), 'not-a-branch'],
      ['no credential', { peer: 'branch-1', credential: undefined }, transfer(), 'no-credential'],
      [
        'a credential it signed itself',
        { peer: 'branch-1', credential: credential('branch-2', 'branch-1') },
        transfer(),
        'forged-credential',
      ],
      [
        'a credential for another branch',
        { peer: 'branch-1', credential: credential('branch-3') },
        transfer(),
        'forged-credential',
      ],
      [
        'a credential with another right',
        { peer: 'branch-1', credential: credential('branch-2', HQ, 'read:accounts/*') },
        transfer(),
        'forged-credential',
      ],
      ['garbage for a credential', { peer: 'branch-1', credential: 'AAAA' }, transfer(), 'forged-credential'],
      [
        'an order signed by the branch',
        { peer: 'branch-1', credential: good },
        transfer({}, 'branch-1'),
        'not-account-holder',
      ],
      [
        'an order signed by another customer',
        { peer: 'branch-1', credential: good },
        transfer({}, 'customer-2'),
        'not-account-holder',
      ],
      ['a bigger amount', { peer: 'branch-1', credential: good }, transfer({ amount: 400 }), 'forged-order'],
      ['another destination', { peer: 'branch-1', credential: good }, transfer({ to: 'b1-01' }), 'forged-order'],
      ['another place in the sequence', { peer: 'branch-1', credential: good }, transfer({ seq: 8 }), 'forged-order'],
      [
        'an order for another branch’s account',
        { peer: 'branch-1', credential: good },
        transfer({}, 'customer-1', 'branch-3'),
        'forged-order',
      ],
      [
        'an order with a flipped byte',
        { peer: 'branch-1', credential: good },
        transfer({ order: flip(transfer().order) }),
        'forged-order',
      ],
    ];
    for (const [name, sender, request, refusal] of cases) {
      expect(authoriseWrite(sender, request, context), name).toEqual({ ok: false, refusal });
    }
    // The home's own worker still checks the order.
    expect(authoriseWrite('local', transfer({ amount: 400 }), context)).toEqual({ ok: false, refusal: 'forged-order' });
    // An account of another branch, with an order genuinely made out to this one.
    const elsewhere = { ...context, self: 'branch-3' };
    expect(authoriseWrite('local', transfer({}, 'customer-1', 'branch-3'), elsewhere)).toEqual({
      ok: false,
      refusal: 'not-home',
    });
    // After the key that signed it is revoked, a credential is refused, and an honest branch's one is only stale.
    directory.revokeToken(new Uint8Array(16));
    directory.revoke(HQ);
    expect(authoriseWrite({ peer: 'branch-1', credential: good }, transfer(), context)).toEqual({
      ok: false,
      refusal: 'forged-credential',
    });
  });

  it('checks a credential once while nothing is revoked, and again once the holder of the cache empties it', () => {
    const { at, transfer, context, directory } = bank();
    const revocationId = new Uint8Array(16).fill(9);
    const token = b64(issueToken(at(HQ), { audience: 'branch-2', rights: [RELAY_RIGHT], revocationId }));
    const verifiedCredentials = new Set<string>();
    directory.onRevoke(() => verifiedCredentials.clear());
    const cached = { ...context, verifiedCredentials };
    expect(authoriseWrite({ peer: 'branch-1', credential: token }, transfer(), cached)).toEqual({ ok: true });
    expect(verifiedCredentials.has(token)).toBe(true);
    directory.revokeToken(revocationId);
    expect(authoriseWrite({ peer: 'branch-1', credential: token }, transfer(), cached)).toEqual({
      ok: false,
      refusal: 'stale-credential',
    });
    // A forged credential is never remembered.
    const forged = b64(issueToken(at('branch-1'), { audience: 'branch-2', rights: [RELAY_RIGHT] }));
    authoriseWrite({ peer: 'branch-1', credential: forged }, transfer(), cached);
    expect(verifiedCredentials.has(forged)).toBe(false);
  });

  it('calls a revoked credential stale: what an honest branch holds right after its key was replaced', () => {
    const { at, transfer, context, directory } = bank();
    const revocationId = new Uint8Array(16).fill(7);
    const token = b64(issueToken(at(HQ), { audience: 'branch-2', rights: [RELAY_RIGHT], revocationId }));
    directory.revokeToken(revocationId);
    expect(authoriseWrite({ peer: 'branch-1', credential: token }, transfer(), context)).toEqual({
      ok: false,
      refusal: 'stale-credential',
    });
  });
});

function flip(base64: string): string {
  const bytes = Buffer.from(base64, 'base64');
  bytes[bytes.length - 40] = (bytes[bytes.length - 40] as number) ^ 1;
  return bytes.toString('base64');
}
