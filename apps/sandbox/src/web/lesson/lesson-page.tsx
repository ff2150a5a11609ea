import { useCallback, useEffect, useMemo, useState } from 'react';
import { freePlay, lessons } from '../../lessons/index.ts';
import type { Action, Lesson } from '../../lessons/lesson.ts';
import { encodeRun } from '../../lessons/run.ts';
import { controlState } from '../control-state.ts';
import { ShareLink } from '../controls/share-link.tsx';
import { Timeline } from '../controls/timeline.tsx';
import { Toolbar } from '../controls/toolbar.tsx';
import { formatClock } from '../format.ts';
import { type DetailTab, DetailTabs, panelTab } from '../panels/panels.tsx';
import { markCompleted, type Progress } from '../progress.ts';
import type { Route } from '../url.ts';
import { ActionLog } from './action-log.tsx';
import { Challenge } from './challenge.tsx';
import { FreePlaySetup } from './free-play-setup.tsx';
import { Explanation, LessonIntro } from './lesson-intro.tsx';
import { Networks } from './networks.tsx';
import { currentStep, stepsDoneAt } from './step-progress.ts';
import { Steps } from './steps.tsx';
import { useAddressSync } from './use-address.ts';
import { useRunLoop } from './use-run-loop.ts';
import { useTargets } from './use-targets.ts';

type RunRoute = Extract<Route, { page: 'lesson' | 'free' }>;

interface LessonPageProps {
  readonly lesson: Lesson;
  readonly route: RunRoute;
  readonly progress: Progress;
  readonly onProgress: (update: (progress: Progress) => Progress) => void;
  readonly onNavigate: (route: Route) => void;
}

/** A lesson (or free play): "start over" mounts a fresh run with the same seed. */
export function LessonPage(props: LessonPageProps) {
  const [attempt, setAttempt] = useState(0);
  const restart = useCallback(() => setAttempt((count) => count + 1), []);
  return <LessonRunPage key={attempt} {...props} fresh={attempt > 0} onRestart={restart} />;
}

/**
 * A stage, not a dashboard: the first screen holds the current step with
 * its button, the challenge's number for both sides, both networks and the
 * timeline. Everything else (charts, logs, counters, the lesson's words)
 * waits below, in tabs.
 */
function LessonRunPage(props: LessonPageProps & { readonly fresh: boolean; readonly onRestart: () => void }) {
  const { lesson, route, progress, onProgress } = props;
  // Free play is the dedicated free-play world, or any lesson's world without its steps.
  const free = route.page === 'free' || lesson.number === freePlay.number;
  // Only the free-play world's own challenge makes sense without the lesson around it.
  const challenge = !free || lesson.number === freePlay.number;
  const replay = props.fresh ? [] : route.actions;
  const { loop, snapshot } = useRunLoop({
    lesson,
    seed: route.seed,
    replay,
    challenge,
    at: props.fresh ? undefined : route.at,
  });
  const state = useMemo(() => controlState(lesson.features, snapshot.actions), [lesson.features, snapshot.actions]);
  const { targets, target, setTarget } = useTargets(lesson.targets, snapshot.palisade.nodes);
  const doneAt = useMemo(() => stepsDoneAt(lesson.steps, snapshot.actions), [lesson.steps, snapshot.actions]);
  // The step follows the run (a replay, a rewind, a button) until the learner picks one; then theirs, until the run moves on.
  const basis = doneAt.join(',');
  const [chosen, setChosen] = useState<{ readonly step: number; readonly basis: string } | undefined>(undefined);
  const step = chosen !== undefined && chosen.basis === basis ? chosen.step : currentStep(doneAt);
  const selectStep = useCallback((index: number) => setChosen({ step: index, basis }), [basis]);

  const passed = snapshot.passedAt !== undefined;
  useEffect(() => {
    if (passed && !free) onProgress((current) => markCompleted(current, lesson.number));
  }, [passed, free, lesson.number, onProgress]);

  const apply = useCallback((action: Action) => loop.apply(action), [loop]);
  const applyAll = useCallback(
    (actions: readonly Action[]) => {
      for (const action of actions) loop.apply(action);
    },
    [loop],
  );
  const makeLink = useCallback(
    (atNow: boolean): string => {
      const params = new URLSearchParams();
      params.set(free ? 'free' : 'lesson', String(lesson.number));
      params.set('seed', String(route.seed));
      const actions = loop.shareActions();
      if (actions.length > 0) params.set('run', encodeRun({ lesson: lesson.number, seed: route.seed, actions }));
      if (atNow) params.set('t', String(loop.now()));
      return `${window.location.origin}${window.location.pathname}?${params.toString()}`;
    },
    [free, lesson.number, route.seed, loop],
  );
  const share = useCallback(() => loop.shareActions(), [loop]);
  useAddressSync({
    page: free ? 'free' : 'lesson',
    lesson: lesson.number,
    seed: route.seed,
    time: snapshot.time,
    playing: snapshot.playing,
    seeking: snapshot.seeking !== undefined,
    actions: snapshot.actions,
    scheduled: snapshot.scheduled,
    share,
  });
  usePlayPauseKey(loop, snapshot.playing);

  const views = [snapshot.palisade, snapshot.baseline];
  const tabs: DetailTab[] = [
    ...(free
      ? [
          {
            id: 'setup',
            title: 'Set up',
            content: () => (
              <FreePlaySetup lessons={lessons} lesson={lesson} seed={route.seed} onNavigate={props.onNavigate} />
            ),
          },
        ]
      : []),
    { id: 'idea', title: free ? 'About this world' : 'The idea', content: () => <Explanation lesson={lesson} /> },
    ...lesson.panels.flatMap((panel) => (panel === 'topology' ? [] : [panelTab(panel, views)])),
    { id: 'happened', title: 'What happened', content: () => <ActionLog actions={snapshot.actions} /> },
  ];
  const [tab, setTab] = useState(() =>
    free ? (tabs.find((t) => t.id !== 'setup' && t.id !== 'idea')?.id ?? 'idea') : 'idea',
  );
  const lastSecond = snapshot.palisade.series.at(-1);
  const ahead = snapshot.scheduled;
  const lastAhead = ahead.at(-1)?.at;
  return (
    <article
      className={`lesson-page${free ? ' is-free' : ''}`}
      aria-labelledby="lesson-title"
      data-playing={snapshot.playing}
    >
      <LessonIntro lesson={lesson} free={free} />
      {snapshot.error !== undefined && (
        <p className="notice error" role="alert">
          The simulation stopped with an error: {snapshot.error}. “Start over” begins a new run.
        </p>
      )}
      <div className="stage-top">
        {free ? (
          <section className="free-intro" aria-labelledby="free-intro-heading">
            <h2 id="free-intro-heading">Break things</h2>
            <p>{lesson.explanation[1] ?? lesson.summary}</p>
            <p className="hint">The controls are below the networks; “Set up” picks another world or seed.</p>
          </section>
        ) : (
          <Steps
            steps={lesson.steps}
            current={step}
            doneAt={doneAt}
            opensWindow={{ step: lesson.challenge.startsAtStep, ms: lesson.challenge.windowMs }}
            onSelect={selectStep}
            onDo={applyAll}
          />
        )}
        {challenge && (
          <Challenge
            text={lesson.challenge.text}
            measures={lesson.challenge.measures}
            result={snapshot.challenge}
            baseline={snapshot.baselineChallenge}
            passedAt={snapshot.passedAt}
            time={snapshot.time}
            completedBefore={progress.completed.includes(lesson.number)}
          />
        )}
      </div>
      <Networks views={views} />
      <section className="controls" aria-label="Controls">
        <Timeline
          time={snapshot.time}
          end={Math.max(lesson.durationMs, snapshot.furthest, (lastAhead ?? 0) + 1_000)}
          actions={snapshot.actions}
          scheduled={ahead}
          playing={snapshot.playing}
          speed={snapshot.speed}
          effectiveSpeed={snapshot.effectiveSpeed}
          seeking={snapshot.seeking}
          onPlay={() => loop.play()}
          onPause={() => loop.pause()}
          onStep={() => loop.step(1_000)}
          onSpeed={(speed) => loop.setSpeed(speed)}
          onScrub={(ms) => loop.scrubTo(ms)}
          onRestart={props.onRestart}
        />
        {lastAhead !== undefined && (
          <div className="notice replay-notice">
            <p>
              The rest of this run is recorded: {ahead.length} action{ahead.length === 1 ? '' : 's'} ahead replay at
              their moments, the last at {formatClock(lastAhead)}. Anything you do now starts a new future instead.
            </p>
            {snapshot.seeking === undefined && (
              <button type="button" onClick={() => loop.seek(lastAhead + 1_000)}>
                Skip to just after the last action
              </button>
            )}
          </div>
        )}
        <div className="toolbar">
          <Toolbar
            controls={lesson.controls}
            features={lesson.features}
            state={state}
            targets={targets}
            target={target}
            onTarget={setTarget}
            view={snapshot.palisade}
            loadRange={lesson.load}
            observedLoad={lastSecond?.requests ?? 0}
            onAction={apply}
          />
          <ShareLink time={snapshot.time} makeLink={makeLink} />
        </div>
      </section>
      <DetailTabs tabs={tabs} selected={tab} onSelect={setTab} />
    </article>
  );
}

/** "k" plays and pauses, as in most video players, unless the learner is typing or on a control. */
function usePlayPauseKey(loop: { play(): void; pause(): void }, playing: boolean): void {
  useEffect(() => {
    const onKey = (event: KeyboardEvent): void => {
      if (event.key !== 'k' || event.ctrlKey || event.metaKey || event.altKey) return;
      const target = event.target as HTMLElement | null;
      if (target?.closest('input, select, textarea, [contenteditable="true"]')) return;
      event.preventDefault();
      if (playing) loop.pause();
      else loop.play();
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, [loop, playing]);
}
