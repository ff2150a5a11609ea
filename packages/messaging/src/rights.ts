import { InvalidArgumentError } from '@palisade/core';
import { utf8 } from './bytes.js';

/**
 * A right is `action:resource`, for example `read:accounts/42`. In a token,
 * the action may be `*`, and the resource may be `*` or end in `/*` (any
 * path below). Nothing else is a wildcard.
 */
export type Right = string;

const rightPattern = /^[^:\s]+:[^\s]+$/;
export const MAX_RIGHTS = 64;

export function checkRight(name: string, right: unknown): Right {
  if (typeof right !== 'string' || !rightPattern.test(right) || utf8(right).length > 255) {
    throw new InvalidArgumentError(name, 'a right "action:resource" of at most 255 UTF-8 bytes, without spaces', right);
  }
  return right;
}

export function checkRights(name: string, rights: unknown): readonly Right[] {
  if (!Array.isArray(rights) || rights.length === 0 || rights.length > MAX_RIGHTS) {
    throw new InvalidArgumentError(name, `an array of 1 to ${MAX_RIGHTS} rights`, rights);
  }
  return rights.map((right, index) => checkRight(`${name}[${index}]`, right));
}

function split(right: Right): [string, string] {
  const colon = right.indexOf(':');
  return [right.slice(0, colon), right.slice(colon + 1)];
}

/**
 * Whether `granted` covers `wanted`: a request, or a narrower grant. The
 * same test checks requests and attenuations, so an attenuated block can
 * never cover more than the block it narrows.
 */
export function rightCovers(granted: Right, wanted: Right): boolean {
  const [grantedAction, grantedResource] = split(granted);
  const [wantedAction, wantedResource] = split(wanted);
  if (grantedAction !== '*' && grantedAction !== wantedAction) return false;
  if (grantedResource === '*' || grantedResource === wantedResource) return true;
  return grantedResource.endsWith('/*') && wantedResource.startsWith(grantedResource.slice(0, -1));
}

export function anyCovers(granted: readonly Right[], wanted: Right): boolean {
  return granted.some((right) => rightCovers(right, wanted));
}
