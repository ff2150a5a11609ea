import { memo } from 'react';
import { lessons } from '../../lessons/index.ts';
import type { Lesson } from '../../lessons/lesson.ts';

/** The lesson's name and its idea in one sentence; the longer words wait in the "The idea" tab. */
export const LessonIntro = memo(function LessonIntro({
  lesson,
  free,
}: {
  readonly lesson: Lesson;
  readonly free: boolean;
}) {
  return (
    <header className="lesson-intro">
      <p className="eyebrow">
        {!free
          ? `Lesson ${lesson.number} of ${lessons.length}`
          : lesson.steps.length === 0
            ? 'Free play'
            : `Free play in lesson ${lesson.number}’s world`}
      </p>
      <h1 id="lesson-title">{lesson.title}</h1>
      <p className="summary">{lesson.summary}</p>
    </header>
  );
});

export function Explanation({ lesson }: { readonly lesson: Lesson }) {
  return (
    <div className="explanation">
      {lesson.explanation.map((paragraph) => (
        <p key={paragraph}>{paragraph}</p>
      ))}
    </div>
  );
}
