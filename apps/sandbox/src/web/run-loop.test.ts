import { describe, expect, it } from 'vitest';
import type { Action, Lesson, World, WorldView } from '../lessons/lesson.ts';
import { type FrameScheduler, RunLoop } from './run-loop.ts';

/** A world whose advances finish only when the test says so. */
class GatedWorld implements World {
  readonly palisade: boolean;
  time = 0;
  inFlight = 0;
  maxInFlight = 0;
  readonly applied: { at: number; action: Action }[] = [];
  readonly gates: (() => void)[] = [];

  constructor(palisade: boolean) {
    this.palisade = palisade;
  }

  readonly now = (): number => this.time;

  advance(ms: number): Promise<void> {
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    return new Promise((resolve) => {
      this.gates.push(() => {
        this.time += ms;
        this.inFlight--;
        resolve();
      });
    });
  }

  apply(action: Action): boolean {
    this.applied.push({ at: this.time, action });
    return true;
  }

  view(): WorldView {
    return {
      label: this.palisade ? 'with palisade' : 'without palisade',
      palisade: this.palisade,
      time: this.time,
      nodes: [],
      links: [],
      series: [],
      faults: [],
      recent: [],
      messages: [],
      monitor: [],
      counters: [],
    };
  }
}

function fixture() {
  const worlds: GatedWorld[] = [];
  const lesson = {
    number: 99,
    challenge: { text: '', check: (world: World) => ({ passed: world.now() >= 1_000, measured: `${world.now()}` }) },
    createWorld: (_seed: number, palisade: boolean) => {
      const world = new GatedWorld(palisade);
      worlds.push(world);
      return world;
    },
  } as unknown as Lesson;
  let clock = 0;
  let queued: ((time: number) => void) | undefined;
  const scheduler: FrameScheduler = {
    request: (callback) => {
      queued = callback;
      return 1;
    },
    cancel: () => {
      queued = undefined;
    },
    now: () => clock,
  };
  /** Runs one animation frame `ms` after the previous one. */
  const frame = (ms: number): void => {
    clock += ms;
    const callback = queued;
    queued = undefined;
    callback?.(clock);
  };
  /** Lets the advances in flight finish, as if they had taken `cost` real ms. */
  const release = async (cost = 0): Promise<void> => {
    clock += cost;
    // One frame's advance may be several in a row (the run stops at each challenge checkpoint).
    for (let round = 0; round < 100; round++) {
      const gates = worlds.flatMap((world) => world.gates.splice(0));
      if (gates.length === 0 && round > 0) break;
      for (const open of gates) open();
      await new Promise((resolve) => setTimeout(resolve, 0));
    }
  };
  const loop = new RunLoop({ lesson, seed: 1, scheduler });
  loop.start();
  return { loop, worlds, frame, release };
}

describe('RunLoop', () => {
  it('advances by real time times the speed, in whole milliseconds', async () => {
    const { loop, worlds, frame, release } = fixture();
    loop.setSpeed(1.5);
    loop.play();
    frame(0);
    frame(16.5);
    await release();
    expect(loop.run.now()).toBe(24);
    frame(16.5);
    await release();
    frame(16.5);
    await release();
    // The fractions carry over: three frames of 24.75 ms make 74, not 72.
    expect(loop.run.now()).toBe(74);
    expect(worlds.map((world) => world.time)).toEqual([74, 74]);
  });

  it('never starts an advance while one is in flight, and counts the frames it spanned', async () => {
    const { loop, worlds, frame, release } = fixture();
    loop.play();
    frame(0);
    frame(16);
    frame(16);
    frame(16);
    expect(Math.max(...worlds.map((world) => world.maxInFlight))).toBe(1);
    expect(worlds[0]?.gates).toHaveLength(1);
    await release();
    expect(loop.run.now()).toBe(16);
    frame(16);
    await release();
    // 16 virtual ms took 32 real ms against a budget of 10: the next frame may advance 5.
    expect(loop.run.now()).toBe(21);
  });

  it('applies actions between advances, at the same time in both worlds', async () => {
    const { loop, worlds, frame, release } = fixture();
    loop.play();
    frame(0);
    frame(20);
    loop.apply({ type: 'kill', node: 'n1' });
    await release();
    frame(20);
    await release();
    expect(worlds.map((world) => world.applied)).toEqual([
      [{ at: 20, action: { type: 'kill', node: 'n1' } }],
      [{ at: 20, action: { type: 'kill', node: 'n1' } }],
    ]);
    expect(loop.shareActions()).toEqual([{ at: 20, action: { type: 'kill', node: 'n1' } }]);
  });

  it('stays put while paused, and steps on request', async () => {
    const { loop, frame, release } = fixture();
    frame(0);
    frame(500);
    await release();
    expect(loop.run.now()).toBe(0);
    loop.step(1_000);
    frame(16);
    await release();
    expect(loop.run.now()).toBe(1_000);
    expect(loop.getSnapshot().challenge).toEqual({ passed: true, measured: '1000' });
    expect(loop.getSnapshot().playing).toBe(false);
  });

  it('caps a late frame, so a background tab does not make the run jump', async () => {
    const { loop, frame, release } = fixture();
    loop.play();
    frame(0);
    frame(5_000);
    await release();
    expect(loop.run.now()).toBe(100);
  });

  it('seeks in chunks and keeps the replay’s later actions in the link', async () => {
    const { loop, frame, release } = fixture();
    const later = { at: 9_000, action: { type: 'heal' } } as const;
    const replaying = new RunLoop({
      lesson: loop.run.lesson,
      seed: 1,
      replay: [later],
      scheduler: { request: () => 0, cancel: () => {}, now: () => 0 },
    });
    expect(replaying.shareActions()).toEqual([later]);
    loop.seek(2_500);
    for (const _ of [1, 2, 3, 4]) {
      frame(16);
      await release();
    }
    expect(loop.run.now()).toBe(2_500);
    expect(loop.getSnapshot().seeking).toBeUndefined();
  });

  it('recovers from one slow frame: the speed is back to at least 0.9× within a few seconds', async () => {
    const { loop, frame, release } = fixture();
    loop.play();
    frame(0);
    // A second of cheap frames: 1 ms of work each.
    for (let i = 0; i < 60; i++) {
      frame(16);
      await release(1);
    }
    expect(loop.getSnapshot().effectiveSpeed).toBeGreaterThanOrEqual(0.9);
    // One advance that took half a second (a garbage collection, a busy tab, a long render in between).
    frame(16);
    await release(500);
    // Then cheap frames again, for at most 3 seconds.
    let recoveredAfter: number | undefined;
    for (let i = 0; i < 180 && recoveredAfter === undefined; i++) {
      const before = loop.run.now();
      frame(16);
      await release(1);
      if (i >= 30 && loop.getSnapshot().effectiveSpeed >= 0.9 && loop.run.now() - before >= 15) recoveredAfter = i;
    }
    expect(recoveredAfter, 'frames until the speed was back').toBeDefined();
    // And it stays there.
    const from = loop.run.now();
    for (let i = 0; i < 60; i++) {
      frame(16);
      await release(1);
    }
    expect((loop.run.now() - from) / (60 * 17)).toBeGreaterThanOrEqual(0.9);
  });

  it('rewinds by replaying the recording, then plays the recorded future again unless the learner acts', async () => {
    const { loop, frame, release } = fixture();
    loop.play();
    frame(0);
    const kill = { type: 'kill', node: 'n1' } as const;
    const heal = { type: 'heal' } as const;
    for (let i = 0; i < 10; i++) {
      if (i === 3) loop.apply(kill);
      if (i === 7) loop.apply(heal);
      frame(50);
      await release();
    }
    const recorded = loop.shareActions();
    expect(recorded.map((timed) => timed.action)).toEqual([kill, heal]);
    const [killed, healed] = recorded as unknown as [{ at: number }, { at: number }];
    loop.pause();
    loop.scrubTo(killed.at + 10);
    frame(16);
    await release();
    expect(loop.run.now()).toBe(killed.at + 10);
    const snapshot = loop.getSnapshot();
    expect(snapshot.actions.map((timed) => timed.action)).toEqual([kill]);
    expect(snapshot.scheduled).toEqual([recorded[1]]);
    expect(snapshot.furthest).toBeGreaterThanOrEqual(healed.at);
    // The link still carries the whole recording.
    expect(loop.shareActions()).toEqual(recorded);
    // Forwards again: the recorded heal happens at its moment.
    loop.scrubTo(healed.at + 10);
    frame(16);
    await release();
    expect(loop.getSnapshot().actions).toEqual(recorded);
    // Back again, and this time the learner acts: a new future from there.
    loop.scrubTo(killed.at + 10);
    frame(16);
    await release();
    loop.apply({ type: 'restart', node: 'n1' });
    frame(16);
    await release();
    expect(loop.shareActions().map((timed) => timed.action)).toEqual([kill, { type: 'restart', node: 'n1' }]);
  });

  it('advances less than asked when the machine cannot keep up, and says so', async () => {
    const { loop, frame, release } = fixture();
    loop.setSpeed(10);
    loop.play();
    frame(0);
    frame(16);
    // 160 virtual ms cost 20 real ms.
    await release(20);
    expect(loop.run.now()).toBe(160);
    frame(16);
    await release(10);
    // 36 real ms since the last frame would be 360 virtual ms at 10×, but 160 took 20 ms against a
    // budget of 10: half of it, 80, fits.
    expect(loop.run.now()).toBe(240);
    expect(loop.getSnapshot().effectiveSpeed).toBeCloseTo(240 / 52, 5);
    // That frame fit its budget, so the next may advance twice as far.
    frame(16);
    await release(10);
    expect(loop.run.now()).toBe(400);
  });
});
