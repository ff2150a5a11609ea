import type { Attributes } from '@opentelemetry/api';

/** The meter's (instrumentation scope's) name. */
export const SCOPE = '@palisade/queue';
export const ATTR_NAME = 'palisade.queue.name';
export const ATTR_SHARD = 'palisade.queue.shard';

/** The attribute sets both queue instrumentations record with. */
export interface QueueAttributes {
  readonly own: Attributes;
  readonly completed: Attributes;
  readonly failed: Attributes;
  /** Shard counts by state. */
  readonly active: Attributes;
  readonly retiring: Attributes;
  /** The queue's name and one more attribute. */
  with1(key: string, value: string): Attributes;
  /** The queue's name and the shard's id, made once per shard. */
  forShard(id: number): Attributes;
}

/** Every set frozen and made once, so that recording allocates nothing. */
export function queueAttributes(name: string): QueueAttributes {
  const with1 = (key: string, value: string): Attributes => Object.freeze({ [ATTR_NAME]: name, [key]: value });
  const shardSets = new Map<number, Attributes>();
  return {
    own: Object.freeze({ [ATTR_NAME]: name }),
    completed: with1('palisade.queue.outcome', 'completed'),
    failed: with1('palisade.queue.outcome', 'failed'),
    active: with1('palisade.queue.shard.state', 'active'),
    retiring: with1('palisade.queue.shard.state', 'retiring'),
    with1,
    forShard(id) {
      let attributes = shardSets.get(id);
      if (attributes === undefined) {
        attributes = Object.freeze({ [ATTR_NAME]: name, [ATTR_SHARD]: id });
        shardSets.set(id, attributes);
      }
      return attributes;
    },
  };
}
