import { freePlay } from '../lessons/index.ts';
import type { Lesson } from '../lessons/lesson.ts';
import { freeRoute, lessonRoute, RouteLink } from './lesson-link.tsx';
import type { Progress } from './progress.ts';
import type { Route } from './url.ts';

export function HomePage(props: {
  readonly lessons: readonly Lesson[];
  readonly progress: Progress;
  readonly onNavigate: (route: Route) => void;
  /** A lesson the address asked for that does not exist (yet). */
  readonly missing: number | undefined;
}) {
  const { lessons, progress, onNavigate, missing } = props;
  return (
    <div className="home">
      <h1>Learn by breaking things</h1>
      {missing !== undefined && (
        <p className="notice" role="status">
          There is no lesson {missing} yet. Pick one of the lessons below.
        </p>
      )}
      <p className="lede">
        Each lesson runs a small simulated network twice, side by side: once protected by the palisade packages, and
        once without them. You kill servers, cut cables and let an attacker loose, and watch what each side does.
      </p>
      <p>
        Everything happens in simulated time, in your browser. The same starting number (the <em>seed</em>) and the same
        actions always give the same run, so you can share a link to exactly what you saw.
      </p>
      <h2>Lessons</h2>
      <ol className="lesson-cards">
        {lessons.map((lesson) => (
          <li key={lesson.number} className="card">
            <h3>
              <RouteLink to={lessonRoute(lesson.number)} onNavigate={onNavigate}>
                {lesson.number}. {lesson.title}
              </RouteLink>
            </h3>
            <p>{lesson.summary}</p>
            {progress.completed.includes(lesson.number) && (
              <p className="done-tag">
                <span aria-hidden="true">✓ </span>Challenge done
              </p>
            )}
          </li>
        ))}
      </ol>
      <h2>Free play</h2>
      <p>
        {freePlay.summary} You can also open any lesson’s world there, with a seed of your choice.{' '}
        <RouteLink to={freeRoute(freePlay.number)} onNavigate={onNavigate}>
          Open free play
        </RouteLink>
      </p>
    </div>
  );
}
