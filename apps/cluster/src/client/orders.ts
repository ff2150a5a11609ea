import { type Identity, issueToken } from '@palisade/messaging';
import { homeOf } from '../bank/accounts.ts';
import { orderRight, type Transfer } from '../bank/transfer.ts';
import { toBase64 } from '../common/wire.ts';

/** How long a signed order stays valid: long enough for a transfer to wait out an outage in its queue. */
const ORDER_TTL = 15 * 60_000;

/**
 * A customer's signed order: a capability token from the customer to the
 * source account's home branch, granting this one transfer. The branch
 * that writes it checks the signature against the customer's key; nobody
 * else can make one, a branch with stolen keys included.
 */
export function signTransfer(
  customer: Identity,
  fields: Pick<Transfer, 'id' | 'from' | 'to' | 'amount' | 'seq'>,
): Transfer {
  const audience = homeOf(fields.from);
  if (audience === undefined) throw new Error(`not an account: ${fields.from}`);
  const token = issueToken(customer, { audience, rights: [orderRight(fields)], ttl: ORDER_TTL });
  return { ...fields, customer: customer.nodeId, order: toBase64(token) };
}
