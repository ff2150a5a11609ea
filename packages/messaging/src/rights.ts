import { InvalidArgumentError } from '@palisade/core';
import { type InputKind, invalidInput } from './invalid-input.js';

/**
 * A right is `action:resource`, for example `read:accounts/42`:
 *
 * ```
 * right    = action ":" resource            ; at most 255 bytes
 * action   = "*" / segment
 * resource = "*" / path / path "/*"
 * path     = segment *( "/" segment )
 * segment  = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "@" / "+" / "=" / "," ), but not "." or ".."
 * ```
 *
 * `*` as the action is any action; `*` as the resource is any resource;
 * `path/*` is anything strictly below `path`, in whole segments. Nothing else
 * is a wildcard. Rights are compared as these exact strings and never
 * decoded, so the grammar leaves out everything a consumer might decode or
 * normalise into something else: no empty, `.` or `..` segments, no `%`, no
 * backslash, no characters outside ASCII (NFKC turns fullwidth dots into
 * `..`).
 */
export type Right = string;

export const MAX_RIGHTS = 64;
const MAX_RIGHT_LENGTH = 255;
const segmentPattern = /^[A-Za-z0-9._~@+=,-]+$/;
const GRAMMAR =
  'a right "action:resource" of at most 255 bytes: an action or "*", then "*" or a path of "/"-separated segments of [A-Za-z0-9._~@+=,-] (none empty, "." or ".."), optionally ending in "/*"';

function isSegment(text: string): boolean {
  return segmentPattern.test(text) && text !== '.' && text !== '..';
}

function isResource(text: string): boolean {
  if (text === '*') return true;
  const path = text.endsWith('/*') ? text.slice(0, -2) : text;
  return path.split('/').every(isSegment);
}

function isRight(value: unknown): value is Right {
  if (typeof value !== 'string' || value.length > MAX_RIGHT_LENGTH) return false;
  const colon = value.indexOf(':');
  if (colon < 0) return false;
  const action = value.slice(0, colon);
  return (action === '*' || isSegment(action)) && isResource(value.slice(colon + 1));
}

export function checkRight(name: string, right: unknown, kind: InputKind = 'argument'): Right {
  if (!isRight(right)) throw invalidInput(kind, name, GRAMMAR, right);
  return right;
}

export function checkRights(name: string, rights: unknown, kind: InputKind = 'argument'): readonly Right[] {
  if (!Array.isArray(rights) || rights.length === 0 || rights.length > MAX_RIGHTS) {
    throw invalidInput(kind, name, `an array of 1 to ${MAX_RIGHTS} rights`, rights);
  }
  return rights.map((right, index) => checkRight(`${name}[${index}]`, right, kind));
}

function split(right: Right): [string, string] {
  const colon = right.indexOf(':');
  return [right.slice(0, colon), right.slice(colon + 1)];
}

/**
 * `rightCovers` for rights already checked against the grammar. Because
 * segments never contain `/`, the prefix test below ends on a segment
 * boundary, and covering is containment of the sets of requests: transitive,
 * so a chain of narrowing blocks never reaches past its root.
 */
export function coversChecked(granted: Right, wanted: Right): boolean {
  const [grantedAction, grantedResource] = split(granted);
  const [wantedAction, wantedResource] = split(wanted);
  if (grantedAction !== '*' && grantedAction !== wantedAction) return false;
  if (grantedResource === '*' || grantedResource === wantedResource) return true;
  return grantedResource.endsWith('/*') && wantedResource.startsWith(grantedResource.slice(0, -1));
}

export function anyCoversChecked(granted: readonly Right[], wanted: Right): boolean {
  return granted.some((right) => coversChecked(right, wanted));
}

/**
 * Whether `granted` covers `wanted`: a request, or a narrower grant. The
 * same test checks requests and attenuations, so an attenuated block can
 * never cover more than the block it narrows. Throws `InvalidArgumentError`
 * if either is not a right.
 */
export function rightCovers(granted: Right, wanted: Right): boolean {
  return coversChecked(checkRight('granted', granted), checkRight('wanted', wanted));
}

/** Whether any of `granted` covers `wanted`. Throws `InvalidArgumentError` for anything that is not a right. */
export function anyCovers(granted: readonly Right[], wanted: Right): boolean {
  if (!Array.isArray(granted)) throw new InvalidArgumentError('granted', 'an array of rights', granted);
  const checked = granted.map((right, index) => checkRight(`granted[${index}]`, right));
  return anyCoversChecked(checked, checkRight('wanted', wanted));
}
