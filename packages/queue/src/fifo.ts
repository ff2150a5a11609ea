/**
 * A first-in, first-out list with O(1) amortised push and shift. Shifted
 * slots are released at once and the array is compacted once they make up
 * half of it, so a long-lived queue neither leaks nor copies on every shift.
 */
export class Fifo<T> {
  #items: (T | undefined)[] = [];
  #head = 0;

  get size(): number {
    return this.#items.length - this.#head;
  }

  push(item: T): void {
    this.#items.push(item);
  }

  peek(): T | undefined {
    return this.#items[this.#head];
  }

  shift(): T | undefined {
    const items = this.#items;
    if (this.#head === items.length) return undefined;
    const item = items[this.#head];
    items[this.#head++] = undefined;
    if (this.#head === items.length) {
      items.length = 0;
      this.#head = 0;
    } else if (this.#head >= 64 && this.#head * 2 >= items.length) {
      items.splice(0, this.#head);
      this.#head = 0;
    }
    return item;
  }

  /** Removes `item`; O(n) in the worst case, O(1) when it is first. */
  remove(item: T): boolean {
    const index = this.#items.indexOf(item, this.#head);
    if (index === -1) return false;
    if (index === this.#head) this.shift();
    else this.#items.splice(index, 1);
    return true;
  }

  /** Empties the list and returns what it held, first to last. */
  drain(): T[] {
    const items = this.#items.slice(this.#head) as T[];
    this.#items = [];
    this.#head = 0;
    return items;
  }

  *[Symbol.iterator](): IterableIterator<T> {
    for (let i = this.#head; i < this.#items.length; i++) yield this.#items[i] as T;
  }
}
