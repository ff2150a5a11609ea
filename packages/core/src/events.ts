// palisade's event idiom is cockatiel's: `policy.onBreak(listener)` returns a
// disposable. Re-exporting cockatiel's own types keeps palisade and cockatiel
// events interchangeable (Event.once, Event.toPromise work on both).

export type { IDisposable } from 'cockatiel';
export { Event, EventEmitter } from 'cockatiel';
