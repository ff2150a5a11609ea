import { useId, useState } from 'react';
import { formatClock } from '../format.ts';

/**
 * Copies a link that replays this exact run. The link is also shown in a
 * text box, since the clipboard is not always available (plain http, a
 * locked-down browser).
 */
export function ShareLink({
  time,
  makeLink,
}: {
  readonly time: number;
  /** The link, opening paused at the current moment when `atNow`. */
  readonly makeLink: (atNow: boolean) => string;
}) {
  const [shown, setShown] = useState<{ url: string; copied: boolean } | undefined>(undefined);
  const [atNow, setAtNow] = useState(false);
  const id = useId();
  const copy = async (): Promise<void> => {
    const url = makeLink(atNow);
    let copied = false;
    try {
      await navigator.clipboard.writeText(url);
      copied = true;
    } catch {
      // Shown below for copying by hand.
    }
    setShown({ url, copied });
  };
  return (
    <fieldset className="control-group share">
      <legend>Share</legend>
      <button type="button" onClick={copy}>
        Copy link to this run
      </button>
      <label className="inline-check">
        <input type="checkbox" checked={atNow} onChange={(event) => setAtNow(event.currentTarget.checked)} /> open at
        the current moment ({formatClock(time)})
      </label>
      <p role="status" className="share-status">
        {shown === undefined
          ? ''
          : shown.copied
            ? 'Link copied. It replays everything you did, at the same moments.'
            : 'Copy this link:'}
      </p>
      {shown !== undefined && (
        <>
          <label htmlFor={id} className="visually-hidden">
            Link to this run
          </label>
          <input
            id={id}
            className="share-url"
            readOnly
            value={shown.url}
            onFocus={(event) => event.currentTarget.select()}
          />
        </>
      )}
    </fieldset>
  );
}
