import { type MeterProvider, metrics, trace } from '@opentelemetry/api';
import { type IDisposable, InvalidArgumentError } from '@palisade/core';
import { disposeAll, instrumentationOptions } from '@palisade/core/internal';
import { KeyDirectory } from './key-directory.js';
import { ATTR_NAME, SCOPE } from './otel-attributes.js';

/** What `instrumentKeyDirectory` takes. */
export interface KeyDirectoryInstrumentationOptions {
  /** The `palisade.messaging.name` attribute of the directory's series and span events. */
  readonly name: string;
  /**
   * Where the instruments are created.
   * @default the global MeterProvider (`metrics.getMeterProvider()`) at the time of the call
   */
  readonly meterProvider?: MeterProvider;
  /**
   * Whether a revocation adds an event, with the node and the reason, to the span active at that moment.
   * @default true
   */
  readonly traceEvents?: boolean;
}

/**
 * Reports a key directory's revocations (of keys and of tokens) and key
 * rotations to OpenTelemetry, and adds a span event for each revocation.
 * Node ids and reasons go into span events only, never into attributes of
 * a metric.
 */
export function instrumentKeyDirectory(
  directory: KeyDirectory,
  options: KeyDirectoryInstrumentationOptions,
): IDisposable {
  if (!(directory instanceof KeyDirectory)) {
    throw new InvalidArgumentError('directory', 'a KeyDirectory', directory);
  }
  const { name, meterProvider = metrics.getMeterProvider(), traceEvents } = instrumentationOptions(options);
  const meter = meterProvider.getMeter(SCOPE);
  const revocations = meter.createCounter('palisade.messaging.revocations', {
    unit: '{revocation}',
    description: 'Revocations: of a node’s keys (its channels close), or of a capability token.',
  });
  const rotations = meter.createCounter('palisade.messaging.rotations', {
    unit: '{rotation}',
    description: 'Nodes moved to a new key epoch.',
  });
  const own = Object.freeze({ [ATTR_NAME]: name });
  const byKind = {
    key: Object.freeze({ ...own, 'palisade.messaging.revocation.kind': 'key' }),
    token: Object.freeze({ ...own, 'palisade.messaging.revocation.kind': 'token' }),
  };
  return disposeAll([
    directory.onRotate(() => rotations.add(1, own)),
    directory.onRevoke((event) => {
      revocations.add(1, byKind[event.kind]);
      if (!traceEvents) return;
      const span = trace.getActiveSpan();
      if (!span?.isRecording()) return;
      span.addEvent('palisade.messaging.revoke', {
        ...byKind[event.kind],
        'palisade.messaging.revocation.reason': event.reason,
        ...(event.kind === 'key'
          ? { 'palisade.messaging.node_id': event.nodeId, 'palisade.messaging.key.epochs': [...event.epochs] }
          : { 'palisade.messaging.token.revocation_id': event.revocationId }),
      });
    }),
  ]);
}
