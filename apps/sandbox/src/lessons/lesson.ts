import type { FaultPeriod, RequestRecord, WindowStats } from '../sim/metrics.ts';
import type { MonitorEntry } from '../sim/monitor.ts';

/**
 * Everything a learner (or a script) can do to a world. Actions are plain
 * data, so a run is its seed plus a list of timed actions: that is what a
 * shared URL carries and what the tour replays.
 */
export type Action =
  | { readonly type: 'kill' | 'restart' | 'slow' | 'recover'; readonly node: string }
  /** Removes `node` where the world can remove any node; the shard world always retires its newest shard. */
  | { readonly type: 'remove-node'; readonly node: string }
  | { readonly type: 'compromise' | 'revoke' | 'rotate'; readonly node: string }
  | { readonly type: 'add-node' }
  | { readonly type: 'partition'; readonly groups: readonly (readonly string[])[] }
  | { readonly type: 'heal' }
  | { readonly type: 'load'; readonly rps: number }
  | { readonly type: 'attack'; readonly attack: AttackName; readonly on: boolean }
  | { readonly type: 'feature'; readonly feature: string; readonly on: boolean };

export type AttackName = 'eavesdrop' | 'tamper' | 'replay' | 'drop' | 'impersonate';

export interface TimedAction {
  /** Virtual ms since the start of the run. */
  readonly at: number;
  readonly action: Action;
}

export type NodeKind = 'server' | 'client' | 'branch' | 'attacker' | 'shard';
export type NodeState = 'up' | 'down' | 'slow' | 'compromised' | 'revoked';
export type BreakerState = 'closed' | 'open' | 'half-open' | 'isolated';

export interface BreakerBadge {
  readonly state: BreakerState;
  /** Requests per second to this node, lately. */
  readonly requestRate: number;
  /** Share of those that failed, 0 to 1. */
  readonly errorRate: number;
}

export interface NodeView {
  readonly id: string;
  readonly kind: NodeKind;
  readonly state: NodeState;
  /** Work queued or in progress on the node. */
  readonly load: number;
  /** The client's breaker for this node, where the world has one. */
  readonly breaker?: BreakerBadge;
  /** A short line shown under the node: "3 shards", "balance 1,200". */
  readonly note?: string;
}

export interface LinkView {
  readonly a: string;
  readonly b: string;
  /** Carried traffic in the last second. */
  readonly active: boolean;
  /** Runs over an authenticated, encrypted channel. */
  readonly secure: boolean;
  /** An attacker sits on it. */
  readonly attacked: boolean;
  /** Cut by a partition or a dead end, or closed because a key at one end was revoked. */
  readonly broken: boolean;
  /** Closed because a key at one end was revoked: nobody accepts that key any more. */
  readonly revoked?: boolean;
}

/** One message as the attacker saw it on the wire and as the receiver got it. */
export interface InspectedMessage {
  readonly at: number;
  readonly from: string;
  readonly to: string;
  /** Exactly the bytes on the wire. */
  readonly wire: Uint8Array;
  /** What the receiver's application got, or undefined if nothing was delivered. */
  readonly delivered?: string;
  /** 'accepted', or why it was refused ('tampered', 'replayed', …). */
  readonly verdict: string;
  /** Whether the attacker could read it: it crossed the wire unsealed. */
  readonly readable: boolean;
  /**
   * What the receiver applied it as, once it has: a genuine transfer, or an
   * attack that got through (changed on the way, a replayed copy, a forgery).
   */
  readonly provenance?: 'genuine' | 'tampered' | 'replayed' | 'forged';
}

export interface RingView {
  /** Shard positions on the ring, 0 to 1. */
  readonly shards: readonly { readonly id: string; readonly position: number }[];
  /** A sample of keys: their position and the shard that owns them; `moved` if the last resize moved them. */
  readonly keys: readonly { readonly position: number; readonly shard: string; readonly moved: boolean }[];
  /** Share of all keys the last resize moved, 0 to 1. */
  readonly movedShare: number;
}

export interface Counter {
  readonly label: string;
  readonly value: number | string;
  /** Whether this number going up is good news (green), bad news (red), or neither. */
  readonly tone?: 'good' | 'bad';
}

/** What the UI draws for one world at one moment. */
export interface WorldView {
  readonly label: string;
  readonly palisade: boolean;
  readonly time: number;
  readonly nodes: readonly NodeView[];
  readonly links: readonly LinkView[];
  /** One entry per second, from the start. */
  readonly series: readonly WindowStats[];
  readonly faults: readonly FaultPeriod[];
  /** Requests that ended in the last few seconds, for the dot plot. */
  readonly recent: readonly RequestRecord[];
  readonly messages: readonly InspectedMessage[];
  readonly monitor: readonly MonitorEntry[];
  readonly ring?: RingView;
  readonly counters: readonly Counter[];
  /** Requests per second offered, where the world has a load to set. */
  readonly load?: number;
  /** Which of the lesson's features are on right now, by name. */
  readonly features?: Readonly<Record<string, boolean>>;
  /** Which attacks are on right now, where the world has an attacker (a break-in switches on eavesdropping). */
  readonly attacks?: Readonly<Record<AttackName, boolean>>;
}

/** A world: one side of a lesson's side-by-side, with or without palisade. */
export interface World {
  readonly palisade: boolean;
  readonly now: () => number;
  /** Moves the world's virtual time forward. */
  advance(ms: number): Promise<void>;
  /** Applies `action` now; false when it changed nothing (killing a node that is already down). */
  apply(action: Action): boolean;
  view(): WorldView;
}

export interface ChallengeResult {
  /** The condition holds now, and has held for the challenge's whole window. */
  readonly passed: boolean;
  /** The one number the challenge measures, as shown beside the networks: "99.6%", "0". */
  readonly value: string;
  /** The measurement in words: "2 of 5 nodes down; 99.6% succeeded in the last 5 s". */
  readonly measured: string;
  /**
   * While the challenge's setup is in place (two nodes down, every attack
   * on…): since when, and how long it must last before the challenge can pass.
   */
  readonly holding?: { readonly since: number; readonly needMs: number };
}

export interface Challenge {
  readonly text: string;
  /** What `value` counts, in a few words: "of requests succeeded, last 5 s". */
  readonly measures: string;
  /** The challenge passes only once its condition has held this long. */
  readonly windowMs: number;
  /** The step whose action starts the window (by index): the challenge cannot pass sooner than `windowMs` after it. */
  readonly startsAtStep: number;
  /** Checked against the palisade world. A pure function of the world: it never changes it. */
  check(world: World): ChallengeResult;
}

/** A step's button. */
export interface StepAction {
  readonly label: string;
  /** What pressing it does: usually one action, sometimes a few at once ("start the attacks"). */
  readonly actions: readonly Action[];
  /** When the scripted run presses it, in virtual ms. */
  readonly at: number;
}

export interface LessonStep {
  readonly title: string;
  /** Plain words: what to do and what to watch. */
  readonly text: string;
  /** The button that performs the step, if the step is an action. */
  readonly action?: StepAction;
}

/** A control the lesson offers in its toolbar. */
export type Control =
  | 'load'
  | 'kill'
  | 'slow'
  | 'restart'
  | 'partition'
  | 'add-node'
  | 'remove-node'
  | 'attacks'
  | 'compromise'
  | 'revoke'
  | 'rotate'
  | 'features';

export type Panel = 'topology' | 'charts' | 'dots' | 'inspector' | 'ring' | 'monitor' | 'counters';

export interface Feature {
  readonly name: string;
  readonly label: string;
  readonly description: string;
}

/** A row of the tour's table: one lesson, one world. */
export interface TourRow {
  /** Share of requests (or transfers) that succeeded, over the run. */
  readonly successRate: number;
  readonly p99: number;
  /** Where the world has an attacker: attacks stopped, and attacks that got through. */
  readonly attacksRejected?: number;
  readonly attacksSucceeded?: number;
  /** Where the world resizes by key: the share of keys the last resize moved. */
  readonly keysMoved?: number;
}

export interface Lesson {
  readonly number: number;
  readonly slug: string;
  readonly title: string;
  /** One sentence: the idea. */
  readonly summary: string;
  /** A few short paragraphs in plain words. */
  readonly explanation: readonly string[];
  readonly steps: readonly LessonStep[];
  readonly challenge: Challenge;
  /**
   * The tour's scripted run, and the one the lesson's test asserts on:
   * exactly the steps' actions at their times (`scriptOf`), so doing the
   * steps is doing the script.
   */
  readonly script: readonly TimedAction[];
  readonly durationMs: number;
  readonly controls: readonly Control[];
  readonly panels: readonly Panel[];
  /** Features the learner may switch off in the palisade world; their state is in `WorldView.features`. */
  readonly features: readonly Feature[];
  /** The load slider's range, in requests per second, for lessons with a `load` control. */
  readonly load?: { readonly min: number; readonly max: number; readonly step: number };
  /** Nodes the controls may target (kill, compromise…), by id. */
  readonly targets: readonly string[];
  createWorld(seed: number, palisade: boolean): World;
  tourRow(world: World): TourRow;
  /**
   * For each tour row where palisade's figure looks worse than the
   * baseline's, one line that says why: the price of what it protects.
   */
  readonly tradeOffs: Partial<Record<keyof TourRow, string>>;
}

/** The scripted run of a lesson's steps: each step's actions, at the step's time. */
export function scriptOf(steps: readonly LessonStep[]): TimedAction[] {
  return steps.flatMap((step) => step.action?.actions.map((action) => ({ at: step.action?.at ?? 0, action })) ?? []);
}
