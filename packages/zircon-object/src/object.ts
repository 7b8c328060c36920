/**
 * The base of every kernel object: identity, name and signals.
 *
 * @module
 */
import { WaitQueue, TIMED_OUT, type TimerQueue } from '@rvisor/async-executor';

let nextKoid = 1024;

const deadlineMarker = Symbol('deadline');

/** Maximum length of an object name (ZX_MAX_NAME_LEN - 1). */
export const MAX_NAME_LEN = 31;

/**
 * Signal bits an object asserts (`zx_signals_t`). Low bits are per type; `SIGNALED`, alias
 * `TASK_TERMINATED`, is set when a task ends. USER_0..7 are free for the layer above.
 */
export const Signal = {
  NONE: 0,
  READABLE: 1 << 0,
  WRITABLE: 1 << 1,
  PEER_CLOSED: 1 << 2,
  SIGNALED: 1 << 3,
  TASK_TERMINATED: 1 << 3,
  THREAD_RUNNING: 1 << 4,
  THREAD_SUSPENDED: 1 << 5,
  USER_0: 1 << 24,
  USER_1: 1 << 25,
  USER_2: 1 << 26,
  USER_3: 1 << 27,
  USER_4: 1 << 28,
  USER_5: 1 << 29,
  USER_6: 1 << 30,
} as const;

/** A set of signal bits. */
export type Signals = number;

/**
 * NAME
 *   object - the base of every kernel object
 *
 * SYNOPSIS
 *   Every kernel object (Job, Process, Thread, Vmo, Vmar…) extends KObject: a unique koid, a
 *   name, a type name and a set of asserted signals that tasks can wait on.
 *
 * DESCRIPTION
 *   Objects are reached through handles (see HandleTable), which carry rights. New object kinds
 *   follow one recipe: extend KObject, set a static `typeName`, and document the kind with the
 *   sections used here. `handleCount` is maintained by HandleTable; `onZeroHandles()` runs when the
 *   last handle is closed.
 *
 * RIGHTS
 *   Reading the name needs GET_PROPERTY, setting it SET_PROPERTY, waiting on signals WAIT (checked
 *   by the caller through `getObjectWithRights`).
 *
 * ERRORS
 *   `waitSignals` rejects with the abort signal's reason when aborted.
 */
export abstract class KObject {
  /** The type name, e.g. `"process"`. Subclasses override it. */
  static readonly typeName: string = 'object';

  /** Kernel object id: unique over the kernel's lifetime. */
  readonly koid: number;
  #name = '';
  #signals: Signals = 0;
  #signalWaiters: WaitQueue<void> | undefined;
  #handleCount = 0;

  constructor(name = '') {
    this.koid = nextKoid++;
    this.name = name;
  }

  /** The object's type name (`static typeName` of its class). */
  get typeName(): string {
    return (this.constructor as typeof KObject).typeName;
  }

  /** The object's name, truncated to {@link MAX_NAME_LEN} characters. */
  get name(): string {
    return this.#name;
  }

  set name(value: string) {
    this.#name = value.length > MAX_NAME_LEN ? value.slice(0, MAX_NAME_LEN) : value;
  }

  /** The signals currently asserted. */
  get signals(): Signals {
    return this.#signals;
  }

  /** Clear then set signal bits; wakes waiters if anything changed. */
  signalChange(clear: Signals, set: Signals): void {
    const next = (this.#signals & ~clear) | set;
    if (next === this.#signals) return;
    this.#signals = next;
    this.#signalWaiters?.wakeAll();
  }

  /**
   * Wait until any of `mask` is asserted; resolves with the asserted signals (all of them), or
   * {@link TIMED_OUT} if `deadline` (with `timers`) passes first.
   */
  async waitSignals(
    mask: Signals,
    options: { signal?: AbortSignal; deadline?: bigint; timers?: TimerQueue } = {},
  ): Promise<Signals | typeof TIMED_OUT> {
    const { signal, deadline, timers } = options;
    const queue = (this.#signalWaiters ??= new WaitQueue<void>());
    if (deadline === undefined) {
      while ((this.#signals & mask) === 0) await queue.wait(signal);
      return this.#signals;
    }
    if (!timers) throw new TypeError('waitSignals: a deadline needs a TimerQueue');
    if (signal?.aborted) throw signal.reason;
    // The deadline aborts an inner signal with a private marker, which leaves the queue cleanly.
    const inner = new AbortController();
    const onOuterAbort = (): void => inner.abort(signal!.reason);
    signal?.addEventListener('abort', onOuterAbort, { once: true });
    const timer = timers.add(deadline, () => inner.abort(deadlineMarker));
    try {
      while ((this.#signals & mask) === 0) await queue.wait(inner.signal);
      return this.#signals;
    } catch (error) {
      if (error === deadlineMarker) return (this.#signals & mask) !== 0 ? this.#signals : TIMED_OUT;
      throw error;
    } finally {
      timer.cancel();
      signal?.removeEventListener('abort', onOuterAbort);
    }
  }

  /** Number of handles that refer to this object. */
  get handleCount(): number {
    return this.#handleCount;
  }

  /** @internal Called by HandleTable when a handle to this object is created. */
  handleOpened(): void {
    this.#handleCount++;
  }

  /** @internal Called by HandleTable when a handle to this object is closed. */
  handleClosed(): void {
    if (--this.#handleCount === 0) this.onZeroHandles();
  }

  /** Runs when the last handle is closed. Default: nothing. */
  protected onZeroHandles(): void {}
}
