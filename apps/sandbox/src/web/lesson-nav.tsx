import { useEffect, useRef } from 'react';
import { freePlay } from '../lessons/index.ts';
import type { Lesson } from '../lessons/lesson.ts';
import { freeRoute, lessonRoute, RouteLink } from './lesson-link.tsx';
import type { Progress } from './progress.ts';
import type { Route } from './url.ts';

/**
 * The lessons, folded into a menu in the header so the lesson itself gets
 * the screen. It closes when the learner picks one.
 */
export function LessonNav(props: {
  readonly lessons: readonly Lesson[];
  readonly route: Route;
  readonly progress: Progress;
  readonly onNavigate: (route: Route) => void;
}) {
  const { lessons, route, progress, onNavigate } = props;
  const done = lessons.filter((lesson) => progress.completed.includes(lesson.number)).length;
  const menu = useRef<HTMLDetailsElement>(null);
  const key = route.page === 'home' ? 'home' : `${route.page}-${route.lesson}`;
  // biome-ignore lint/correctness/useExhaustiveDependencies: a new page closes the menu
  useEffect(() => {
    if (menu.current !== null) menu.current.open = false;
  }, [key]);
  return (
    <nav className="lesson-nav" aria-label="Lessons">
      <details ref={menu} className="lesson-menu">
        <summary>
          Lessons{' '}
          <span className="menu-progress">
            ({done} of {lessons.length} challenges done)
          </span>
        </summary>
        <div className="lesson-menu-body">
          <progress className="lesson-progress" max={Math.max(lessons.length, 1)} value={done} aria-hidden="true" />
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
        </div>
      </details>
    </nav>
  );
}
