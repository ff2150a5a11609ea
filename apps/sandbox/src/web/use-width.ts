import { type RefObject, useLayoutEffect, useState } from 'react';

/** The element's content width, kept up to date as the layout changes. */
export function useWidth(ref: RefObject<HTMLElement | null>, fallback = 400): number {
  const [width, setWidth] = useState(fallback);
  useLayoutEffect(() => {
    const element = ref.current;
    if (element === null) return;
    setWidth(element.clientWidth || fallback);
    const observer = new ResizeObserver(([entry]) => {
      if (entry !== undefined) setWidth(Math.max(120, Math.floor(entry.contentRect.width)));
    });
    observer.observe(element);
    return () => observer.disconnect();
  }, [ref, fallback]);
  return width;
}
