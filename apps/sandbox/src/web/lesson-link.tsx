import type { ReactNode } from 'react';
import { DEFAULT_SEED, type Route, routeSearch } from './url.ts';

/**
 * A real link (it can be opened in a new tab or copied) that navigates
 * in place when simply clicked.
 */
export function RouteLink(props: {
  readonly to: Route;
  readonly onNavigate: (route: Route) => void;
  readonly current?: boolean;
  readonly className?: string;
  readonly children: ReactNode;
}) {
  const { to, onNavigate } = props;
  return (
    <a
      href={`./${routeSearch(to)}`}
      className={props.className}
      aria-current={props.current ? 'page' : undefined}
      onClick={(event) => {
        if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
        event.preventDefault();
        onNavigate(to);
      }}
    >
      {props.children}
    </a>
  );
}

export const lessonRoute = (lesson: number): Route => ({ page: 'lesson', lesson, seed: DEFAULT_SEED, actions: [] });
export const freeRoute = (lesson: number): Route => ({ page: 'free', lesson, seed: DEFAULT_SEED, actions: [] });
