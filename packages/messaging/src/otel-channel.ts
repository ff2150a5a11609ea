import { type Attributes, type Counter, type MeterProvider, metrics, trace } from '@opentelemetry/api';
import { type IDisposable, InvalidArgumentError } from '@palisade/core';
import { disposeAll, instrumentationOptions } from '@palisade/core/internal';
import type { ChannelRejectEvent, ChannelStats } from './channel-events.js';
import { ATTR_NAME, SCOPE } from './otel-attributes.js';
import { SecureChannel } from './secure-channel.js';

/** What `instrumentChannel` takes. */
export interface ChannelInstrumentationOptions {
  /**
   * The `palisade.messaging.name` attribute of the channel's series and span
   * events: name the service or the endpoint (`orders-ws`), not the
   * connection. Every channel instrumented under one name, on one meter
   * provider, is summed into one set of series, so a server that accepts
   * thousands of channels reports a dozen series.
   */
  readonly name: string;
  /**
   * Where the instruments are created.
   * @default the global MeterProvider (`metrics.getMeterProvider()`) at the time of the call
   */
  readonly meterProvider?: MeterProvider;
  /**
   * Whether a refused message adds an event to the span active at that moment.
   * @default true
   */
  readonly traceEvents?: boolean;
}

type Totals = { -readonly [K in keyof ChannelStats]: number };
const zero = (): Totals => ({ sent: 0, received: 0, rejected: 0, handshakes: 0, rekeys: 0 });

/**
 * The channels instrumented under one name on one meter provider: the live
 * ones are read when metrics are collected, and a closed (or no longer
 * instrumented) one leaves its final counts behind, so that the sums never go
 * down as channels come and go.
 */
class ChannelGroup {
  readonly live = new Set<SecureChannel>();
  readonly retired = zero();
  handshakesRefused = 0;
  handshakesAbandoned = 0;
  readonly rejected: Counter;
  readonly closed: Counter;
  readonly #rejectAttributes = new Map<string, Attributes>();
  readonly #closeAttributes = new Map<string, Attributes>();
  readonly own: Attributes;
  readonly name: string;

  constructor(name: string, meterProvider: MeterProvider) {
    this.name = name;
    const meter = meterProvider.getMeter(SCOPE);
    this.own = Object.freeze({ [ATTR_NAME]: name });
    const messages = meter.createObservableCounter('palisade.messaging.messages', {
      unit: '{message}',
      description: 'Messages sent (handed to the transport) and received (authenticated and delivered).',
    });
    const handshakes = meter.createObservableCounter('palisade.messaging.handshakes', {
      unit: '{handshake}',
      description:
        'Handshakes by outcome: success (a session installed), refused (a handshake message failed a check), abandoned (a channel closed before its first handshake completed).',
    });
    const rekeys = meter.createObservableCounter('palisade.messaging.rekeys', {
      unit: '{rekey}',
      description: 'New keys: ratchet (the sending key ratcheted within a session), handshake (a re-handshake).',
    });
    const channels = meter.createObservableUpDownCounter('palisade.messaging.channels', {
      unit: '{channel}',
      description: 'Channels instrumented and not closed.',
    });
    this.rejected = meter.createCounter('palisade.messaging.rejected', {
      unit: '{message}',
      description: 'Messages refused, by stage and error code: tampered, replayed, forged, expired, revoked…',
    });
    this.closed = meter.createCounter('palisade.messaging.closed', {
      unit: '{channel}',
      description: 'Channels closed, with error.type when an error closed them.',
    });
    const by = (key: string, value: string) => Object.freeze({ [ATTR_NAME]: name, [key]: value });
    const sent = by('palisade.messaging.direction', 'sent');
    const received = by('palisade.messaging.direction', 'received');
    const success = by('palisade.messaging.outcome', 'success');
    const refused = by('palisade.messaging.outcome', 'refused');
    const abandoned = by('palisade.messaging.outcome', 'abandoned');
    const ratchet = by('palisade.messaging.rekey.kind', 'ratchet');
    const rehandshake = by('palisade.messaging.rekey.kind', 'handshake');
    meter.addBatchObservableCallback(
      (result) => {
        const totals = this.totals();
        result.observe(messages, totals.sent, sent);
        result.observe(messages, totals.received, received);
        result.observe(handshakes, totals.handshakes, success);
        result.observe(handshakes, this.handshakesRefused, refused);
        result.observe(handshakes, this.handshakesAbandoned, abandoned);
        result.observe(rekeys, totals.rekeys, ratchet);
        result.observe(rekeys, totals.rehandshakes, rehandshake);
        result.observe(channels, this.live.size, this.own);
      },
      [messages, handshakes, rekeys, channels],
    );
  }

  totals(): Totals & { rehandshakes: number } {
    const totals = { ...this.retired, rehandshakes: 0 };
    for (const channel of this.live) add(totals, channel.stats());
    return totals;
  }

  retire(channel: SecureChannel): void {
    if (!this.live.delete(channel)) return;
    add(this.retired, channel.stats());
  }

  rejectAttributes({ stage, error }: ChannelRejectEvent): Attributes {
    const key = `${stage} ${error.code}`;
    let attributes = this.#rejectAttributes.get(key);
    if (attributes === undefined) {
      attributes = Object.freeze({
        [ATTR_NAME]: this.name,
        'palisade.messaging.stage': stage,
        'error.type': error.code,
      });
      this.#rejectAttributes.set(key, attributes);
    }
    return attributes;
  }

  closeAttributes(code: string | undefined): Attributes {
    if (code === undefined) return this.own;
    let attributes = this.#closeAttributes.get(code);
    if (attributes === undefined) {
      attributes = Object.freeze({ [ATTR_NAME]: this.name, 'error.type': code });
      this.#closeAttributes.set(code, attributes);
    }
    return attributes;
  }
}

/** Adds a channel's counts; a channel's re-handshakes are its sessions after the first. */
function add(into: Totals & { rehandshakes?: number }, stats: ChannelStats): void {
  into.sent += stats.sent;
  into.received += stats.received;
  into.rejected += stats.rejected;
  into.handshakes += stats.handshakes;
  into.rekeys += stats.rekeys;
  if (into.rehandshakes !== undefined) into.rehandshakes += Math.max(0, stats.handshakes - 1);
}

// Per meter provider, per name: created once, and kept, so that counts never restart.
const groups = new WeakMap<MeterProvider, Map<string, ChannelGroup>>();

function groupFor(meterProvider: MeterProvider, name: string): ChannelGroup {
  let byName = groups.get(meterProvider);
  if (byName === undefined) {
    byName = new Map();
    groups.set(meterProvider, byName);
  }
  let group = byName.get(name);
  if (group === undefined) {
    group = new ChannelGroup(name, meterProvider);
    byName.set(name, group);
  }
  return group;
}

/**
 * Reports a secure channel to OpenTelemetry: messages sent and received,
 * handshakes by outcome, rekeys, messages refused by stage and error code,
 * and closes, summed over every channel instrumented under the same `name`;
 * a refused message adds a span event to the active span. Counts are read
 * from `stats()` when metrics are collected, so a message pays nothing for
 * them. Instrumentation ends when the channel closes, or when the returned
 * handle is disposed; what the channel counted stays in the sums.
 *
 * Throws `InvalidArgumentError` when `channel` is not a `SecureChannel`, and
 * `InvalidOptionError` for a bad option.
 */
export function instrumentChannel(channel: SecureChannel, options: ChannelInstrumentationOptions): IDisposable {
  if (!(channel instanceof SecureChannel)) throw new InvalidArgumentError('channel', 'a SecureChannel', channel);
  const { name, meterProvider = metrics.getMeterProvider(), traceEvents } = instrumentationOptions(options);
  const group = groupFor(meterProvider, name);
  if (channel.closed || group.live.has(channel)) return { dispose() {} };
  group.live.add(channel);
  const handles: IDisposable[] = [];
  const handle = disposeAll(handles);
  const stop = () => {
    group.retire(channel);
    handle.dispose();
  };
  handles.push(
    channel.onReject((event) => {
      const attributes = group.rejectAttributes(event);
      group.rejected.add(1, attributes);
      if (event.stage === 'handshake') group.handshakesRefused++;
      if (!traceEvents) return;
      const span = trace.getActiveSpan();
      if (span?.isRecording()) span.addEvent('palisade.messaging.reject', attributes);
    }),
    channel.onClose(({ error }) => {
      group.closed.add(1, group.closeAttributes(error?.code));
      if (channel.stats().handshakes === 0) group.handshakesAbandoned++;
      stop();
    }),
  );
  return { dispose: stop };
}
