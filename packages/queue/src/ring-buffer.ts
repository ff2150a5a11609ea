/** The capacity a buffer starts with, and never shrinks below. */
const MIN_CAPACITY = 4;
/**
 * `new Array(n)` makes a fast array of exactly n slots only up to a size;
 * above it V8 makes a dictionary (a hash table), slow to index. Larger
 * arrays are built by pushing, which keeps them fast.
 */
const LARGEST_PREALLOCATED = 4096;

function emptySlots<T>(capacity: number): (T | undefined)[] {
  if (capacity <= LARGEST_PREALLOCATED) return new Array<T | undefined>(capacity);
  const slots: (T | undefined)[] = [];
  for (let i = 0; i < capacity; i++) slots.push(undefined);
  return slots;
}

/**
 * A first-in, first-out list in a circular array whose capacity is a power
 * of two. Unlike an array used as a queue (push, then shift or a moving head
 * with an occasional splice), a buffer that holds about the same number of
 * items over time never reallocates nor moves them: a long-lived lane with a
 * steady backlog keeps one array, so taking and adding are a read and a write
 * whatever its length, and the garbage collector has no fresh copies of
 * long arrays to move. The array doubles when full and halves when seven
 * eighths empty (not sooner, so that a size hovering near a boundary does
 * not resize back and forth), so a burst does not pin its memory.
 */
export class RingBuffer<T> {
  #slots: (T | undefined)[] = emptySlots<T>(MIN_CAPACITY);
  #head = 0;
  #size = 0;

  get size(): number {
    return this.#size;
  }

  /** The first item; undefined when empty. */
  first(): T | undefined {
    return this.#size === 0 ? undefined : this.#slots[this.#head];
  }

  push(item: T): void {
    let slots = this.#slots;
    if (this.#size === slots.length) slots = this.#resize(slots.length * 2);
    slots[(this.#head + this.#size) & (slots.length - 1)] = item;
    this.#size++;
  }

  /** Removes and returns the first item; undefined when empty. */
  shift(): T | undefined {
    if (this.#size === 0) return undefined;
    const slots = this.#slots;
    const item = slots[this.#head];
    slots[this.#head] = undefined;
    this.#head = (this.#head + 1) & (slots.length - 1);
    this.#size--;
    if (this.#size === 0) this.#head = 0;
    else if (slots.length > MIN_CAPACITY && this.#size * 8 <= slots.length) this.#resize(slots.length / 2);
    return item;
  }

  /** The position of `item` from the first (0), or -1. O(size). */
  indexOf(item: T): number {
    const slots = this.#slots;
    const mask = slots.length - 1;
    for (let i = 0; i < this.#size; i++) if (slots[(this.#head + i) & mask] === item) return i;
    return -1;
  }

  /** Removes the item at `index` (from the first), keeping the others' order. O(size − index). */
  removeAt(index: number): void {
    if (index === 0) {
      this.shift();
      return;
    }
    const slots = this.#slots;
    const mask = slots.length - 1;
    for (let i = index; i < this.#size - 1; i++) {
      slots[(this.#head + i) & mask] = slots[(this.#head + i + 1) & mask];
    }
    slots[(this.#head + this.#size - 1) & mask] = undefined;
    this.#size--;
    if (this.#size === 0) this.#head = 0;
    else if (slots.length > MIN_CAPACITY && this.#size * 8 <= slots.length) this.#resize(slots.length / 2);
  }

  /** Empties the buffer and returns what it held, first to last. */
  drain(): T[] {
    const items = this.toArray();
    this.#slots = emptySlots<T>(MIN_CAPACITY);
    this.#head = 0;
    this.#size = 0;
    return items;
  }

  /** The items, first to last. */
  toArray(): T[] {
    const slots = this.#slots;
    const mask = slots.length - 1;
    const items: T[] = [];
    for (let i = 0; i < this.#size; i++) items.push(slots[(this.#head + i) & mask] as T);
    return items;
  }

  #resize(capacity: number): (T | undefined)[] {
    const slots = this.#slots;
    const mask = slots.length - 1;
    const resized = emptySlots<T>(capacity);
    for (let i = 0; i < this.#size; i++) resized[i] = slots[(this.#head + i) & mask];
    this.#slots = resized;
    this.#head = 0;
    return resized;
  }
}
