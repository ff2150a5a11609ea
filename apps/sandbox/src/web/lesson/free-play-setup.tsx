import { useId, useState } from 'react';
import { freePlay } from '../../lessons/index.ts';
import type { Lesson } from '../../lessons/lesson.ts';
import type { Route } from '../url.ts';

/** Free play: the free-play cluster or any lesson's world, with any seed, and no steps. */
export function FreePlaySetup(props: {
  readonly lessons: readonly Lesson[];
  readonly lesson: Lesson;
  readonly seed: number;
  readonly onNavigate: (route: Route) => void;
}) {
  const worldId = useId();
  const seedId = useId();
  const [seed, setSeed] = useState(String(props.seed));
  const [world, setWorld] = useState(props.lesson.number);
  const valid = /^\d{1,9}$/.test(seed);
  return (
    <section className="free-play" aria-labelledby="free-play-heading">
      <h2 id="free-play-heading">Set up</h2>
      <form
        onSubmit={(event) => {
          event.preventDefault();
          if (valid) props.onNavigate({ page: 'free', lesson: world, seed: Number(seed), actions: [] });
        }}
      >
        <label htmlFor={worldId}>World</label>
        <select id={worldId} value={world} onChange={(event) => setWorld(Number(event.currentTarget.value))}>
          <option value={freePlay.number}>The free-play cluster</option>
          {props.lessons.map((lesson) => (
            <option key={lesson.number} value={lesson.number}>
              Lesson {lesson.number}: {lesson.title}
            </option>
          ))}
        </select>
        <label htmlFor={seedId}>Seed</label>
        <input
          id={seedId}
          inputMode="numeric"
          value={seed}
          aria-invalid={!valid}
          aria-describedby={`${seedId}-hint`}
          onChange={(event) => setSeed(event.currentTarget.value)}
        />
        <p id={`${seedId}-hint`} className="hint">
          {valid
            ? 'The seed decides every random thing in the run: the same seed and actions give the same run.'
            : 'The seed is a whole number from 0 to 999999999.'}
        </p>
        <button type="submit" className="primary" disabled={!valid}>
          Start this world
        </button>
      </form>
    </section>
  );
}
