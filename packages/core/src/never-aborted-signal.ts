/**
 * A signal that never aborts, for work started without a caller's signal.
 * One shared instance: nothing can abort it, since its controller is dropped.
 */
export const NEVER_ABORTED_SIGNAL: AbortSignal = new AbortController().signal;
