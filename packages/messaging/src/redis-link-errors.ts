import { MessagingError } from './errors.js';

/**
 * Frames are missing from a link's stream: the entry after the last one
 * delivered is not the next. Trimming (`maxLength`) overtook a slow reader,
 * or Redis lost writes (a restart without persistence). The link closes,
 * since an ordered stream cannot go on past a hole.
 */
export class StreamGapError extends MessagingError {
  override readonly name: string = 'StreamGapError';
  /** The sequence number that was due. */
  readonly expected: number;
  /** The one that came. */
  readonly received: number;

  constructor(expected: number, received: number) {
    super(
      'ERR_PALISADE_MESSAGING_STREAM_GAP',
      `The link's stream jumped from frame ${expected - 1} to ${received}: frames were trimmed (raise maxLength, or read faster) or lost by Redis (enable persistence). The link was closed; open a new one.`,
    );
    this.expected = expected;
    this.received = received;
  }
}

/**
 * An entry this end did not write sits where its next frame belongs: another
 * writer (a second transport on the same link and side, or someone with
 * access to Redis) wrote into the stream. The link closes.
 */
export class LinkConflictError extends MessagingError {
  override readonly name: string = 'LinkConflictError';
  /** The sequence number that was taken. */
  readonly sequence: number;

  constructor(sequence: number) {
    super(
      'ERR_PALISADE_MESSAGING_LINK_CONFLICT',
      `Frame ${sequence} of this link is already in Redis with other content: something else writes to this side of the link. Give every link a fresh id, and one transport per side.`,
    );
    this.sequence = sequence;
  }
}

/** Redis refused a link's command for a reason other than the connection (a wrong key type, out of memory…). */
export class LinkFailedError extends MessagingError {
  override readonly name: string = 'LinkFailedError';

  constructor(detail: string, options?: ErrorOptions) {
    super(
      'ERR_PALISADE_MESSAGING_LINK_FAILED',
      `Redis refused the link's command (${detail}); the link was closed.`,
      options,
    );
  }
}

/** Redis did not answer within `commandTimeout`: dialling could not announce the link, or an inbox could not start listening. */
export class LinkUnavailableError extends MessagingError {
  override readonly name: string = 'LinkUnavailableError';
  /** The limit that ran out, in milliseconds. */
  readonly commandTimeout: number;

  constructor(commandTimeout: number, what: string) {
    super(
      'ERR_PALISADE_MESSAGING_LINK_UNAVAILABLE',
      `Redis did not answer within ${commandTimeout} ms, so ${what}. Check that Redis is reachable, or raise commandTimeout.`,
    );
    this.commandTimeout = commandTimeout;
  }
}
