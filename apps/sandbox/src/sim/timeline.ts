/**
 * A value over virtual time, recorded as it changes, so a challenge can ask
 * since when a condition has held ("at least two nodes down") without
 * watching the run: the answer is a pure function of what happened.
 */
export class Timeline<T> {
  /** Changes kept; an older stretch is reported as starting at the oldest kept change, never earlier. */
  static readonly kept = 256;
  readonly #changes: { at: number; value: T }[];

  constructor(initial: T, at = 0) {
    this.#changes = [{ at, value: initial }];
  }

  get value(): T {
    return (this.#changes.at(-1) as { value: T }).value;
  }

  set(at: number, value: T): void {
    if (Object.is(value, this.value)) return;
    this.#changes.push({ at, value });
    if (this.#changes.length > Timeline.kept) this.#changes.shift();
  }

  /** When the latest stretch in which `holds` is true began, or undefined if it is false now. */
  heldSince(holds: (value: T) => boolean): number | undefined {
    let since: number | undefined;
    for (let i = this.#changes.length - 1; i >= 0; i--) {
      const change = this.#changes[i] as { at: number; value: T };
      if (!holds(change.value)) break;
      since = change.at;
    }
    return since;
  }
}
