import { useId } from 'react';

/** A labelled on/off switch whose state is written out, not only coloured. */
export function Toggle(props: {
  readonly label: string;
  readonly description: string;
  readonly on: boolean;
  readonly onChange: (on: boolean) => void;
  readonly tone?: 'attack' | 'protection';
}) {
  const id = useId();
  return (
    <div className={`toggle toggle-${props.tone ?? 'protection'}${props.on ? ' is-on' : ''}`}>
      <input
        id={id}
        type="checkbox"
        checked={props.on}
        aria-describedby={`${id}-description`}
        onChange={(event) => props.onChange(event.currentTarget.checked)}
      />
      <label htmlFor={id}>
        <span className="toggle-label">{props.label}</span>
        <span className="toggle-state" aria-hidden="true">
          {props.on ? 'on' : 'off'}
        </span>
      </label>
      <span id={`${id}-description`} className="toggle-description">
        {props.description}
      </span>
    </div>
  );
}
