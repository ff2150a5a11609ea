import type { RejectionReason } from './errors.js';

// A ticket is what admission hands out instead of an object: `epoch * 2`,
// plus 1 for a half-open probe. Negative tickets are rejections. The hot path
// of `execute` keeps it in a local variable, so a call allocates nothing for it.

export const REJECTED_OPEN = -1;
export const REJECTED_HALF_OPEN = -2;
export const REJECTED_ISOLATED = -3;

const rejectionReasons: readonly RejectionReason[] = ['open', 'half-open', 'isolated'];

/** The ticket of a call admitted while the circuit is at `epoch`. */
export function admittedTicket(epoch: number): number {
  return epoch * 2;
}

/** The ticket of a half-open probe admitted at `epoch`. */
export function probeTicket(epoch: number): number {
  return epoch * 2 + 1;
}

export function isProbeTicket(ticket: number): boolean {
  return ticket % 2 === 1;
}

/** The epoch a ticket was admitted at: its outcome only counts while the circuit is still there. */
export function epochOfTicket(ticket: number): number {
  return (ticket - (ticket % 2)) / 2;
}

/** Why a rejection ticket (< 0) was turned away. */
export function rejectionReasonOf(ticket: number): RejectionReason {
  return rejectionReasons[-ticket - 1] as RejectionReason;
}
