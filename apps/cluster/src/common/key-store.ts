import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import type { Identity } from '@palisade/messaging';
import { identityOf, type KeyFile, keyFileOf } from './wire.ts';

/**
 * A node's long-term key on disk, readable by its owner only. Written to a
 * temporary file and renamed, so a process killed mid-write leaves the old
 * key or the new one, never half of each.
 */
export function saveKey(path: string, identity: Identity): void {
  writeFileSync(`${path}.tmp`, JSON.stringify(keyFileOf(identity)), { mode: 0o600 });
  renameSync(`${path}.tmp`, path);
}

export function loadKey(path: string): Identity {
  return identityOf(JSON.parse(readFileSync(path, 'utf8')) as KeyFile);
}
