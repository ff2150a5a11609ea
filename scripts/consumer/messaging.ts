import {
  type DecodedToken,
  decodeToken,
  Identity,
  issueToken,
  KeyDirectory,
  type SecureChannel,
  verifyToken,
} from '@palisade/messaging';
import { type ChannelInstrumentationOptions, instrumentKeyDirectory } from '@palisade/messaging/otel';

const hq = Identity.generate('hq');
const directory = new KeyDirectory();
directory.register(hq.publicIdentity);
const token: Uint8Array = issueToken(hq, { audience: 'ledger', rights: ['read:accounts/*'] });
const decoded: DecodedToken = decodeToken(token);
const issuer: string = verifyToken(token, { directory, audience: 'ledger' }).issuer;
type Sends = SecureChannel['send'];

const options: ChannelInstrumentationOptions = { name: 'consumer' };
const handle = instrumentKeyDirectory(directory, options);

export type { Sends };
export { decoded, handle, issuer };
