import { memo } from 'react';
import type { InspectedMessage } from '../../lessons/lesson.ts';
import { describeWire, formatClock } from '../format.ts';
import { uniqueKeys } from '../unique-keys.ts';

const SHOWN = 5;

/** What a plain receiver swallowed without noticing. */
const provenanceWords = {
  tampered: 'it was changed on the way',
  replayed: 'it was a replayed copy',
  forged: 'it was forged',
} as const;

/**
 * The same message twice: the bytes the attacker sees on the wire, and what
 * the receiving application got. Readable bytes on the wire mean anyone on
 * the path can read them.
 */
export const Inspector = memo(function Inspector({
  messages,
}: {
  readonly messages: readonly InspectedMessage[];
  /** The world appends to `messages` in place; a new last message is what tells memo to redraw. */
  readonly last: InspectedMessage | undefined;
}) {
  if (messages.length === 0) {
    return <p className="empty">No messages yet. Each message between nodes will show here as it is sent.</p>;
  }
  const latest = messages.slice(-SHOWN).reverse();
  const keys = uniqueKeys(latest, (message) => `${message.at}-${message.from}-${message.to}-${message.verdict}`);
  return (
    <ol className="inspector">
      {latest.map((message, index) => {
        const wire = describeWire(message.wire, message.readable);
        const accepted = message.verdict === 'accepted';
        const attack = accepted && message.provenance !== undefined && message.provenance !== 'genuine';
        return (
          <li key={keys[index]} className="message">
            <p className="message-head">
              <span className="message-route">
                {message.from} → {message.to}
              </span>
              <span className="message-time">at {formatClock(message.at)}</span>
              <span className={`verdict ${attack ? 'verdict-fooled' : accepted ? 'verdict-ok' : 'verdict-refused'}`}>
                <span aria-hidden="true">{attack ? '⚠ ' : accepted ? '✓ ' : '✗ '}</span>
                {attack
                  ? `accepted, but ${provenanceWords[message.provenance as keyof typeof provenanceWords]}`
                  : accepted
                    ? 'accepted'
                    : `refused: ${message.verdict}`}
              </span>
            </p>
            <dl className="message-body">
              <dt>
                On the wire, as the attacker sees it{' '}
                <span className={message.readable ? 'tag tag-bad' : 'tag tag-good'}>
                  {message.readable ? 'readable' : 'unreadable'}
                </span>
              </dt>
              <dd>
                <code className={message.readable ? 'wire wire-text' : 'wire wire-hex'}>{wire || '(empty)'}</code>
              </dd>
              <dt>What the receiver got</dt>
              <dd>
                {message.delivered === undefined ? (
                  <span className="nothing">nothing: the message was not delivered</span>
                ) : (
                  <code className="wire wire-text">{message.delivered}</code>
                )}
              </dd>
            </dl>
          </li>
        );
      })}
    </ol>
  );
});
