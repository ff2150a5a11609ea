/**
 * The entries a link's stream holds: ids `0-1`, `0-2`… chosen by the writer,
 * each with one field, `d` (a frame's bytes) or `c` (the close marker).
 */
export const DATA_FIELD = 'd';
export const CLOSE_FIELD = 'c';

const ZERO = 0x30;
const DASH = 0x2d;
export const DATA_BYTE = DATA_FIELD.charCodeAt(0);
export const CLOSE_BYTE = CLOSE_FIELD.charCodeAt(0);

/** The n of an entry id `0-n` given as a string. */
export function sequenceOf(id: string): number {
  return Number(id.slice(id.indexOf('-') + 1));
}

/** The n of an entry id `0-n`, read from its bytes; NaN for any other id (one this transport never writes). */
export function sequenceOfId(id: Buffer): number {
  if (id.length < 3 || id.length > 18 || id[0] !== ZERO || id[1] !== DASH) return Number.NaN;
  let seq = 0;
  for (let index = 2; index < id.length; index++) {
    const digit = (id[index] as number) - ZERO;
    if (digit < 0 || digit > 9) return Number.NaN;
    seq = seq * 10 + digit;
  }
  return seq;
}

/** Whether an entry's field name is the one-letter name `letter`. */
export function isField(field: Buffer | undefined, letter: number): boolean {
  return field !== undefined && field.length === 1 && field[0] === letter;
}
