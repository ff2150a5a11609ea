import { useCallback, useEffect, useState } from 'react';
import { freePlay, lessonByNumber, lessons } from '../lessons/index.ts';
import { HomePage } from './home-page.tsx';
import { LessonPage } from './lesson/lesson-page.tsx';
import { LessonNav } from './lesson-nav.tsx';
import { loadProgress, type Progress, saveProgress } from './progress.ts';
import { parseRoute, type Route, routeSearch } from './url.ts';

export function App() {
  const [route, setRoute] = useState<Route>(() => parseRoute(window.location.search));
  const [progress, setProgress] = useState<Progress>(loadProgress);

  useEffect(() => {
    const onPop = (): void => setRoute(parseRoute(window.location.search));
    window.addEventListener('popstate', onPop);
    return () => window.removeEventListener('popstate', onPop);
  }, []);

  const navigate = useCallback((next: Route): void => {
    window.history.pushState(null, '', `${window.location.pathname}${routeSearch(next)}`);
    setRoute(next);
    window.scrollTo({ top: 0 });
  }, []);

  const updateProgress = useCallback((update: (progress: Progress) => Progress): void => {
    setProgress((current) => {
      const next = update(current);
      if (next !== current) saveProgress(next);
      return next;
    });
  }, []);

  const lesson = route.page === 'home' ? undefined : lessonByNumber(route.lesson);
  useEffect(() => {
    document.title =
      lesson === undefined
        ? 'palisade sandbox'
        : lesson.number === freePlay.number
          ? 'Free play · palisade sandbox'
          : `${route.page === 'free' ? 'Free play' : `Lesson ${lesson.number}`}: ${lesson.title} · palisade sandbox`;
  }, [lesson, route.page]);

  return (
    <>
      <a className="skip-link" href="#main">
        Skip to the lesson
      </a>
      <header className="site-header">
        <a
          className="brand"
          href="./"
          onClick={(event) => {
            event.preventDefault();
            navigate({ page: 'home' });
          }}
        >
          <svg className="brand-mark" viewBox="0 0 16 16" width="18" height="18" aria-hidden="true">
            <path d="M2 15V5l2-3 2 3v10M7 15V5l2-3 2 3v10M12 15V5l1.5-3 1.5 3v10" fill="currentColor" />
          </svg>{' '}
          palisade sandbox
        </a>
        <LessonNav lessons={lessons} route={route} progress={progress} onNavigate={navigate} />
        {route.page === 'home' && (
          <p className="tagline">Scalability, fault tolerance and security, on a simulated cluster you can break.</p>
        )}
      </header>
      <main id="main" tabIndex={-1}>
        {route.page === 'home' || lesson === undefined ? (
          <HomePage
            lessons={lessons}
            progress={progress}
            onNavigate={navigate}
            missing={route.page === 'home' ? undefined : route.lesson}
          />
        ) : (
          <LessonPage
            key={`${route.page}-${lesson.number}-${route.seed}-${routeSearch(route)}`}
            lesson={lesson}
            route={route}
            progress={progress}
            onProgress={updateProgress}
            onNavigate={navigate}
          />
        )}
      </main>
    </>
  );
}
