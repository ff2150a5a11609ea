interface Waiting {
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: Error) => void;
  readonly timer: NodeJS.Timeout;
}

/**
 * Questions sent and not yet answered, each by its `rid`. Each one settles
 * once: with its answer, with an error, or when its time is up.
 */
export class PendingAnswers {
  readonly #waiting = new Map<number, Waiting>();
  #nextRid = 1;

  /**
   * A fresh `rid` and the promise of its answer. If no answer comes within
   * `timeout` ms, the promise rejects with what `timedOut` returns.
   */
  ask(timeout: number, timedOut: () => Error): { readonly rid: number; readonly answer: Promise<unknown> } {
    const rid = this.#nextRid++;
    const answer = new Promise<unknown>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiting.delete(rid);
        reject(timedOut());
      }, timeout);
      this.#waiting.set(rid, { resolve, reject, timer });
    });
    return { rid, answer };
  }

  /** Settles `rid` with `value`; an answer to nothing pending is dropped. */
  answer(rid: number, value: unknown): void {
    this.#take(rid)?.resolve(value);
  }

  /** Rejects `rid` with `error`. */
  fail(rid: number, error: Error): void {
    this.#take(rid)?.reject(error);
  }

  /** Rejects every question still waiting. */
  failAll(error: Error): void {
    for (const rid of [...this.#waiting.keys()]) this.fail(rid, error);
  }

  #take(rid: number): Waiting | undefined {
    const waiting = this.#waiting.get(rid);
    if (waiting === undefined) return undefined;
    this.#waiting.delete(rid);
    clearTimeout(waiting.timer);
    return waiting;
  }
}
