import type {
  Action,
  AttackName,
  Counter,
  InspectedMessage,
  LinkView,
  NodeView,
  RingView,
  World,
  WorldView,
} from '../lessons/lesson.ts';
import { RequestLog } from '../sim/metrics.ts';
import { Monitor } from '../sim/monitor.ts';
import { type LinkConditions, linkKey, Network, type NodeId } from '../sim/network.ts';
import { Simulation } from '../sim/simulation.ts';

const MESSAGES_KEPT = 60;
const RECENT_MS = 5_000;

/**
 * What every lesson's world shares: the simulation, the network, the request
 * log, the monitor, the message inspector, and the bookkeeping behind the
 * topology view. A lesson's world adds its nodes, its clients and its
 * palisade features, and answers actions.
 */
export abstract class BaseWorld implements World {
  readonly palisade: boolean;
  readonly sim: Simulation;
  readonly network: Network;
  readonly log = new RequestLog();
  readonly monitor: Monitor;
  readonly messages: InspectedMessage[] = [];
  readonly #lastTraffic = new Map<string, number>();

  constructor(seed: number, palisade: boolean, conditions: LinkConditions) {
    this.palisade = palisade;
    this.sim = new Simulation({ seed });
    this.network = new Network(this.sim, conditions);
    this.monitor = new Monitor(() => this.sim.now());
    this.network.onPacket(({ packet, fate }) => {
      if (fate === 'delivered') this.#lastTraffic.set(linkKey(packet.from, packet.to), this.sim.now());
    });
  }

  readonly now = (): number => this.sim.now();

  advance(ms: number): Promise<void> {
    return this.sim.run(ms);
  }

  abstract apply(action: Action): boolean;

  protected abstract nodeViews(): NodeView[];
  protected abstract linkPairs(): Array<readonly [NodeId, NodeId]>;
  protected abstract counters(): Counter[];
  protected linkIsSecure(_a: NodeId, _b: NodeId): boolean {
    return false;
  }
  protected linkIsAttacked(_a: NodeId, _b: NodeId): boolean {
    return false;
  }
  protected ring(): RingView | undefined {
    return undefined;
  }
  /** Offered requests per second, where the world has a load. */
  protected offeredLoad(): number | undefined {
    return undefined;
  }
  protected featureStates(): Readonly<Record<string, boolean>> | undefined {
    return undefined;
  }
  protected attackStates(): Readonly<Record<AttackName, boolean>> | undefined {
    return undefined;
  }
  /** A link closed because the key at one end was revoked. */
  protected linkIsRevoked(_a: NodeId, _b: NodeId): boolean {
    return false;
  }

  /** Adds a message to the inspector, keeping the latest ones. */
  inspect(message: InspectedMessage): void {
    this.messages.push(message);
    if (this.messages.length > MESSAGES_KEPT) this.messages.shift();
  }

  view(): WorldView {
    const now = this.now();
    const links: LinkView[] = this.linkPairs().map(([a, b]) => {
      const revoked = this.linkIsRevoked(a, b);
      return {
        a,
        b,
        active: !revoked && now - (this.#lastTraffic.get(linkKey(a, b)) ?? Number.NEGATIVE_INFINITY) < 1_000,
        secure: this.linkIsSecure(a, b),
        attacked: this.linkIsAttacked(a, b),
        broken: revoked || !this.network.canReach(a, b) || !this.network.isAttached(a) || !this.network.isAttached(b),
        ...(revoked ? { revoked } : {}),
      };
    });
    return {
      label: this.palisade ? 'with palisade' : 'without palisade',
      palisade: this.palisade,
      time: now,
      nodes: this.nodeViews(),
      links,
      series: this.log.series(now),
      faults: this.log.faults,
      recent: this.log.recent(now, RECENT_MS),
      messages: this.messages,
      monitor: this.monitor.entries,
      ring: this.ring(),
      counters: this.counters(),
      load: this.offeredLoad(),
      features: this.featureStates(),
      attacks: this.attackStates(),
    };
  }
}
