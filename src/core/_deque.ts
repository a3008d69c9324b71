// This module is browser compatible.
/**
 * A FIFO queue with O(1) push, shift and unshift: an array with a moving
 * head, compacted when the dead prefix grows large.
 *
 * @module
 */

/** FIFO queue of `T`. */
export class TaskQueue<T> {
  #items: (T | undefined)[] = [];
  #head = 0;

  /** Number of queued items. */
  get size(): number {
    return this.#items.length - this.#head;
  }

  /** Appends `item` at the back. */
  push(item: T): void {
    this.#items.push(item);
  }

  /** Puts `item` back at the front (for requeued work). */
  unshift(item: T): void {
    if (this.#head > 0) this.#items[--this.#head] = item;
    else this.#items.unshift(item);
  }

  /** Removes and returns the front item, or `undefined` when empty. */
  shift(): T | undefined {
    if (this.#head >= this.#items.length) return undefined;
    const item = this.#items[this.#head];
    this.#items[this.#head++] = undefined;
    if (this.#head > 1024 && this.#head * 2 > this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
    return item;
  }

  /** The front item, without removing it. */
  peek(): T | undefined {
    return this.#items[this.#head];
  }

  /** The back item, without removing it. */
  peekLast(): T | undefined {
    return this.#head < this.#items.length
      ? this.#items[this.#items.length - 1]
      : undefined;
  }

  /** Removes and returns the back item, or `undefined` when empty. */
  pop(): T | undefined {
    if (this.#head >= this.#items.length) return undefined;
    return this.#items.pop();
  }

  /** The items, front first (a copy). */
  toArray(): T[] {
    return this.#items.slice(this.#head) as T[];
  }

  /** Removes and returns every item, front first. */
  drain(): T[] {
    const out = this.#items.slice(this.#head) as T[];
    this.#items = [];
    this.#head = 0;
    return out;
  }
}
