import {
  type DecodedToken,
  decodeToken,
  Identity,
  issueToken,
  KeyDirectory,
  type SecureChannel,
  verifyToken,
} from '@palisade/messaging';

const hq = Identity.generate('hq');
const directory = new KeyDirectory();
directory.register(hq.publicIdentity);
const token: Uint8Array = issueToken(hq, { audience: 'ledger', rights: ['read:accounts/*'] });
const decoded: DecodedToken = decodeToken(token);
const issuer: string = verifyToken(token, { directory, audience: 'ledger' }).issuer;
type Sends = SecureChannel['send'];

export type { Sends };
export { decoded, issuer };
