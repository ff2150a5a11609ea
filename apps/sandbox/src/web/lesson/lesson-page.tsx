import { useCallback, useEffect, useMemo, useState } from 'react';
import { freePlay, lessons } from '../../lessons/index.ts';
import type { Action, Lesson } from '../../lessons/lesson.ts';
import { encodeRun } from '../../lessons/run.ts';
import { controlState } from '../control-state.ts';
import { Playback } from '../controls/playback.tsx';
import { ShareLink } from '../controls/share-link.tsx';
import { Toolbar } from '../controls/toolbar.tsx';
import { formatClock } from '../format.ts';
import { Panels } from '../panels/panels.tsx';
import { markCompleted, type Progress, withStep } from '../progress.ts';
import type { Route } from '../url.ts';
import { ActionLog } from './action-log.tsx';
import { Challenge } from './challenge.tsx';
import { FreePlaySetup } from './free-play-setup.tsx';
import { LessonIntro } from './lesson-intro.tsx';
import { Steps } from './steps.tsx';
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
  const step = Math.min(progress.steps[lesson.number] ?? 0, Math.max(lesson.steps.length - 1, 0));
  const state = useMemo(() => controlState(lesson.features, snapshot.actions), [lesson.features, snapshot.actions]);
  const { targets, target, setTarget } = useTargets(lesson.targets, snapshot.palisade.nodes);

  const passed = snapshot.challenge?.passed === true;
  useEffect(() => {
    if (passed && !free) onProgress((current) => markCompleted(current, lesson.number));
  }, [passed, free, lesson.number, onProgress]);

  const apply = useCallback((action: Action) => loop.apply(action), [loop]);
  const selectStep = useCallback(
    (index: number) => onProgress((current) => withStep(current, lesson.number, index)),
    [onProgress, lesson.number],
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
  usePlayPauseKey(loop, snapshot.playing);

  const lastReplayed = replay.at(-1)?.at;
  const views = [snapshot.palisade, snapshot.baseline];
  const lastSecond = snapshot.palisade.series.filter((second) => second.to <= snapshot.time).at(-1);
  return (
    <article className="lesson-page" aria-labelledby="lesson-title">
      <div className="guide">
        <LessonIntro lesson={lesson} free={free} />
        {free ? (
          <FreePlaySetup lessons={lessons} lesson={lesson} seed={route.seed} onNavigate={props.onNavigate} />
        ) : (
          <Steps steps={lesson.steps} current={step} actions={snapshot.actions} onSelect={selectStep} onDo={apply} />
        )}
        {challenge && (
          <Challenge
            text={lesson.challenge.text}
            result={snapshot.challenge}
            completedBefore={progress.completed.includes(lesson.number)}
          />
        )}
        <ActionLog actions={snapshot.actions} />
      </div>
      <div className="stage">
        {lastReplayed !== undefined && (
          <div className="notice replay-notice">
            <p>
              You opened a shared run: {replay.length} action{replay.length === 1 ? '' : 's'} replay at their moments,
              the last at {formatClock(lastReplayed)}.
            </p>
            {snapshot.time < lastReplayed && (
              <button type="button" onClick={() => loop.seek(lastReplayed + 1_000)}>
                Skip to just after the last action
              </button>
            )}
          </div>
        )}
        {snapshot.error !== undefined && (
          <p className="notice error" role="alert">
            The simulation stopped with an error: {snapshot.error}. “Start over” begins a new run.
          </p>
        )}
        <section className="toolbar" aria-label="Controls">
          <Playback
            time={snapshot.time}
            playing={snapshot.playing}
            speed={snapshot.speed}
            effectiveSpeed={snapshot.effectiveSpeed}
            seeking={snapshot.seeking}
            onPlay={() => loop.play()}
            onPause={() => loop.pause()}
            onStep={() => loop.step(1_000)}
            onSpeed={(speed) => loop.setSpeed(speed)}
            onRestart={props.onRestart}
          />
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
        </section>
        <Panels panels={lesson.panels} views={views} />
      </div>
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
