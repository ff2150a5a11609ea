import { type RefObject, useLayoutEffect, useState } from 'react';

/** The element's content box, kept up to date as the layout changes. */
export function useSize(
  ref: RefObject<HTMLElement | null>,
  fallback: { width: number; height: number },
): { width: number; height: number } {
  const [size, setSize] = useState(fallback);
  useLayoutEffect(() => {
    const element = ref.current;
    if (element === null) return;
    const measure = (width: number, height: number) =>
      setSize((current) => (current.width === width && current.height === height ? current : { width, height }));
    if (element.clientWidth > 0) measure(element.clientWidth, element.clientHeight || fallback.height);
    const observer = new ResizeObserver(([entry]) => {
      if (entry === undefined || entry.contentRect.width === 0) return;
      measure(Math.floor(entry.contentRect.width), Math.floor(entry.contentRect.height) || fallback.height);
    });
    observer.observe(element);
    return () => observer.disconnect();
  }, [ref, fallback.height]);
  return size;
}
