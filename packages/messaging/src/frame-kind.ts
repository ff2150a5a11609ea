import type { OpenedFrame } from './session.js';
import { MessageType } from './wire.js';

/** What a session frame carries: DATA and STREAM frames are both `data`. */
export type FrameKind = OpenedFrame['kind'];

/** The kind a message's type byte names, if it names one. Unauthenticated: only what the sender wrote. */
export function claimedFrameKind(bytes: Uint8Array): FrameKind | undefined {
  switch (bytes[1]) {
    case MessageType.data:
    case MessageType.stream:
      return 'data';
    case MessageType.streamFinal:
      return 'final';
    case MessageType.keepalive:
      return 'keepalive';
    default:
      return undefined;
  }
}
