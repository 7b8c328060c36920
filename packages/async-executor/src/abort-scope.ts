/**
 * An AbortController tied to a longer-lived parent signal: it aborts when the parent does (with
 * the parent's reason), and `dispose()` unhooks it again. AbortSignal.any would do the first part,
 * but it registers every composite on its sources for good (Node 20 never prunes them), so a
 * thread's interruption signal, which is kept from one syscall to the next, would grow without end.
 *
 * @module
 */

/** A child of `parent` (none: a plain controller). Call `dispose()` once the child's work is done. */
export class AbortScope extends AbortController {
  readonly #parent: AbortSignal | undefined;
  readonly #forward = (): void => this.abort(this.#parent!.reason);

  constructor(parent?: AbortSignal) {
    super();
    this.#parent = parent;
    if (parent === undefined) return;
    if (parent.aborted) this.abort(parent.reason);
    else parent.addEventListener('abort', this.#forward, { once: true });
  }

  /** Stop following the parent. */
  dispose(): void {
    this.#parent?.removeEventListener('abort', this.#forward);
  }
}
