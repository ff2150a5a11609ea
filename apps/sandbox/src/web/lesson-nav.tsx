import { freePlay } from '../lessons/index.ts';
import type { Lesson } from '../lessons/lesson.ts';
import { freeRoute, lessonRoute, RouteLink } from './lesson-link.tsx';
import type { Progress } from './progress.ts';
import type { Route } from './url.ts';

export function LessonNav(props: {
  readonly lessons: readonly Lesson[];
  readonly route: Route;
  readonly progress: Progress;
  readonly onNavigate: (route: Route) => void;
}) {
  const { lessons, route, progress, onNavigate } = props;
  const done = lessons.filter((lesson) => progress.completed.includes(lesson.number)).length;
  return (
    <nav className="lesson-nav" aria-labelledby="lesson-nav-heading">
      <h2 id="lesson-nav-heading">Lessons</h2>
      <div className="progress">
        <progress id="lesson-progress" max={Math.max(lessons.length, 1)} value={done} />
        <label htmlFor="lesson-progress">
          {done} of {lessons.length} challenges done
        </label>
      </div>
      <ol className="lesson-list">
        {lessons.map((lesson) => {
          const complete = progress.completed.includes(lesson.number);
          return (
            <li key={lesson.number} className={complete ? 'complete' : undefined}>
              <RouteLink
                to={lessonRoute(lesson.number)}
                onNavigate={onNavigate}
                current={route.page === 'lesson' && route.lesson === lesson.number}
              >
                <span className="lesson-number" aria-hidden="true">
                  {complete ? '✓' : lesson.number}
                </span>
                <span className="lesson-title">
                  <span className="visually-hidden">Lesson {lesson.number}: </span>
                  {lesson.title}
                  {complete && <span className="visually-hidden"> (challenge done)</span>}
                </span>
              </RouteLink>
            </li>
          );
        })}
      </ol>
      <RouteLink
        className="free-play-link"
        to={freeRoute(freePlay.number)}
        onNavigate={onNavigate}
        current={route.page === 'free'}
      >
        Free play
      </RouteLink>
    </nav>
  );
}
