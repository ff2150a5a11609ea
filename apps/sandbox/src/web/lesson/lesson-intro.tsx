import { memo } from 'react';
import type { Lesson } from '../../lessons/lesson.ts';

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
          ? `Lesson ${lesson.number}`
          : lesson.steps.length === 0
            ? 'No steps, no script'
            : `Free play in lesson ${lesson.number}’s world`}
      </p>
      <h1 id="lesson-title">{lesson.title}</h1>
      <p className="summary">{lesson.summary}</p>
      <details className="explanation" open={!free}>
        <summary>{free ? 'About this world' : 'The idea, in plain words'}</summary>
        {lesson.explanation.map((paragraph) => (
          <p key={paragraph}>{paragraph}</p>
        ))}
      </details>
    </header>
  );
});
