/** The queue of transfers out of one branch's accounts, keyed by account; every branch works it. */
export const homeQueueName = (home: string): string => `home-${home}`;

/** What a worker reports as a transfer job's result (JSON, so that it can be read back from Redis). */
export type WriteAnswer =
  | { readonly kind: 'written' | 'duplicate'; readonly outcome: 'applied' | 'declined' }
  | { readonly kind: 'stale'; readonly fence: number }
  | { readonly kind: 'unknown-account' }
  | { readonly kind: 'refused'; readonly refusal: string };
