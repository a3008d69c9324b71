// This module is browser compatible.
/**
 * A double-ended queue on a ring buffer: O(1) push, shift, pop and unshift,
 * and O(k) {@linkcode Deque.prependAll} of a batch (work taken back from a
 * worker goes back to the front in one step); {@linkcode Deque.removeAt}
 * takes one from within. The buffer's capacity is a
 * power of two, so positions wrap with a mask; it doubles when full.
 *
 * @module
 */

const MIN_CAPACITY = 16;

/** A ring-buffer deque of `T`, front first. */
export class Deque<T> {
  #buf: (T | undefined)[];
  #mask: number;
  #head = 0;
  #size = 0;

  /** @param capacity Initial room (rounded up to a power of two). */
  constructor(capacity: number = MIN_CAPACITY) {
    const cap = roundUp(capacity);
    this.#buf = new Array(cap).fill(undefined);
    this.#mask = cap - 1;
  }

  /** Number of items. */
  get size(): number {
    return this.#size;
  }

  /** Appends `item` at the back. */
  push(item: T): void {
    if (this.#size === this.#buf.length) this.#grow(this.#size + 1);
    this.#buf[(this.#head + this.#size) & this.#mask] = item;
    this.#size++;
  }

  /** Puts `item` at the front. */
  unshift(item: T): void {
    if (this.#size === this.#buf.length) this.#grow(this.#size + 1);
    this.#head = (this.#head - 1) & this.#mask;
    this.#buf[this.#head] = item;
    this.#size++;
  }

  /**
   * Puts `items` at the front, in their order (`items[0]` becomes the
   * front): O(k), for a batch taken back from a worker.
   */
  prependAll(items: readonly T[]): void {
    const k = items.length;
    if (k === 0) return;
    if (this.#size + k > this.#buf.length) this.#grow(this.#size + k);
    const mask = this.#mask;
    const head = (this.#head - k) & mask;
    const buf = this.#buf;
    for (let i = 0; i < k; i++) buf[(head + i) & mask] = items[i];
    this.#head = head;
    this.#size += k;
  }

  /** Removes and returns the front item, or `undefined` when empty. */
  shift(): T | undefined {
    if (this.#size === 0) return undefined;
    const head = this.#head;
    const item = this.#buf[head];
    this.#buf[head] = undefined;
    this.#head = (head + 1) & this.#mask;
    this.#size--;
    return item;
  }

  /** Removes and returns the back item, or `undefined` when empty. */
  pop(): T | undefined {
    if (this.#size === 0) return undefined;
    const i = (this.#head + --this.#size) & this.#mask;
    const item = this.#buf[i];
    this.#buf[i] = undefined;
    return item;
  }

  /**
   * Removes and returns the item `i` places from the front (0: the front),
   * or `undefined` when there is none; moves the fewer of the items before
   * and after it (O(min(i, size - i))).
   */
  removeAt(i: number): T | undefined {
    const size = this.#size;
    if (i < 0 || i >= size) return undefined;
    const buf = this.#buf;
    const mask = this.#mask;
    const head = this.#head;
    const item = buf[(head + i) & mask];
    if (i < size - 1 - i) {
      // The ones before it move one place back; the front advances.
      for (let k = i; k > 0; k--) {
        buf[(head + k) & mask] = buf[(head + k - 1) & mask];
      }
      buf[head] = undefined;
      this.#head = (head + 1) & mask;
    } else {
      // The ones after it move one place forward.
      for (let k = i; k < size - 1; k++) {
        buf[(head + k) & mask] = buf[(head + k + 1) & mask];
      }
      buf[(head + size - 1) & mask] = undefined;
    }
    this.#size = size - 1;
    return item;
  }

  /** The front item, without removing it. */
  peek(): T | undefined {
    return this.#size === 0 ? undefined : this.#buf[this.#head];
  }

  /** The item `i` places from the front (0: the front), without removing it. */
  at(i: number): T | undefined {
    return i < 0 || i >= this.#size
      ? undefined
      : this.#buf[(this.#head + i) & this.#mask];
  }

  /** The back item, without removing it. */
  peekLast(): T | undefined {
    return this.#size === 0
      ? undefined
      : this.#buf[(this.#head + this.#size - 1) & this.#mask];
  }

  /** The items, front first (a copy). */
  toArray(): T[] {
    const out = new Array<T>(this.#size);
    const buf = this.#buf;
    const mask = this.#mask;
    for (let i = 0; i < this.#size; i++) {
      out[i] = buf[(this.#head + i) & mask] as T;
    }
    return out;
  }

  /** Removes and returns every item, front first. */
  drain(): T[] {
    const out = this.toArray();
    this.#buf = new Array(MIN_CAPACITY).fill(undefined);
    this.#mask = MIN_CAPACITY - 1;
    this.#head = 0;
    this.#size = 0;
    return out;
  }

  /**
   * Copies the items, front first, into a buffer with room for `need`:
   * the next power of two (the capacity doubles when one more is pushed).
   */
  #grow(need: number): void {
    const cap = roundUp(need);
    const buf = this.#buf;
    const head = this.#head;
    const end = head + this.#size;
    // Native copies, not a loop: a burst of submissions grows the queue
    // many times, and a hot copy loop is one more function every engine
    // compiles (JavaScriptCore up to its optimizing tier).
    const next = end <= buf.length
      ? buf.slice(head, end)
      : buf.slice(head).concat(buf.slice(0, end - buf.length));
    next.length = cap;
    next.fill(undefined, this.#size);
    this.#buf = next;
    this.#mask = cap - 1;
    this.#head = 0;
  }
}

/** The least power of two at least `n` (and at least MIN_CAPACITY). */
function roundUp(n: number): number {
  let cap = MIN_CAPACITY;
  while (cap < n) cap *= 2;
  return cap;
}
