/**
 * How many owners use an object that clone may share between processes (an address space, an fd
 * table): one at first; the last to leave releases what it holds.
 *
 * @module
 */

export class Sharers {
  #count = 1;

  /** One more owner uses it. */
  add(): void {
    this.#count++;
  }

  /** Whether more than one owner uses it. */
  get many(): boolean {
    return this.#count > 1;
  }

  /** An owner is done with it; true if it was the last. */
  leave(): boolean {
    this.#count = Math.max(0, this.#count - 1);
    return this.#count === 0;
  }
}
