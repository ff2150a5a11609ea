/** A binary max-heap of numbers: the distinct priorities that have work waiting. */
export class MaxHeap {
  readonly #values: number[] = [];

  get size(): number {
    return this.#values.length;
  }

  peek(): number | undefined {
    return this.#values[0];
  }

  push(value: number): void {
    const values = this.#values;
    let index = values.push(value) - 1;
    while (index > 0) {
      const parent = (index - 1) >> 1;
      const parentValue = values[parent] as number;
      if (parentValue >= value) break;
      values[index] = parentValue;
      index = parent;
    }
    values[index] = value;
  }

  pop(): number | undefined {
    const values = this.#values;
    const top = values[0];
    const last = values.pop();
    if (values.length === 0 || last === undefined) return top;
    let index = 0;
    for (;;) {
      const left = 2 * index + 1;
      if (left >= values.length) break;
      const right = left + 1;
      const child = right < values.length && (values[right] as number) > (values[left] as number) ? right : left;
      const childValue = values[child] as number;
      if (childValue <= last) break;
      values[index] = childValue;
      index = child;
    }
    values[index] = last;
    return top;
  }

  clear(): void {
    this.#values.length = 0;
  }
}
