/**
 * timerfd: a timer whose expirations are read as a 64-bit count, on the kernel's timer queue.
 *
 * @module
 */
import type { Timer, TimerQueue } from '@rvisor/async-executor';
import { O_NONBLOCK, O_RDWR } from '../abi/fcntl.js';
import { POLLIN } from '../abi/poll.js';
import type { Stat } from '../abi/stat.js';
import { Errno, KernelError } from '../errno.js';
import { anonInodeStat } from './anon-inode.js';
import { FileBase, type Interruptible } from './open-file.js';
import { Readiness, waitUntilReady } from './readiness.js';

/** timerfd_create flags (O_NONBLOCK and O_CLOEXEC). */
export const TFD_NONBLOCK = O_NONBLOCK;
export const TFD_CLOEXEC = 0o2000000;
/** timerfd_settime flags. */
export const TFD_TIMER_ABSTIME = 1;
export const TFD_TIMER_CANCEL_ON_SET = 2;

/** An itimerspec in nanoseconds: time to the next expiration (0: disarmed) and the period. */
export interface TimerSetting {
  value: bigint;
  interval: bigint;
}

/** A timerfd's open file. */
export class TimerFdFile extends FileBase {
  readonly readiness = new Readiness();
  readonly #stat = anonInodeStat();
  #timer: Timer | undefined;
  /** The next expiration on the queue's (monotonic) clock. */
  #deadline = 0n;
  #interval = 0n;
  #expirations = 0n;

  /**
   * @param timers the kernel's timer queue (monotonic)
   * @param clockNow the timer's own clock (CLOCK_REALTIME or CLOCK_MONOTONIC), for absolute times
   */
  constructor(
    private readonly timers: TimerQueue,
    private readonly clockNow: () => bigint,
    flags: number,
  ) {
    super('anon_inode:[timerfd]', O_RDWR | (flags & O_NONBLOCK));
  }

  /** timerfd_gettime(2). */
  get(): TimerSetting {
    if (this.#timer === undefined) return { value: 0n, interval: this.#interval };
    const left = this.#deadline - this.timers.clock.now();
    return { value: left > 0n ? left : 1n, interval: this.#interval };
  }

  /**
   * timerfd_settime(2): arm (value > 0) or disarm (value 0); `absolute` reads value as a time on
   * the timer's clock. Pending expirations are dropped. Returns the old setting.
   */
  set(setting: TimerSetting, absolute: boolean): TimerSetting {
    const old = this.get();
    this.#timer?.cancel();
    this.#timer = undefined;
    this.#expirations = 0n;
    this.#interval = setting.interval;
    if (setting.value !== 0n) {
      const now = this.timers.clock.now();
      const delay = absolute ? setting.value - this.clockNow() : setting.value;
      this.#arm(now + (delay > 0n ? delay : 0n));
    }
    return old;
  }

  #arm(deadline: bigint): void {
    this.#deadline = deadline;
    this.#timer = this.timers.add(deadline, () => this.#expire());
  }

  /** Count this expiration and any periods the loop overslept, as Linux's hrtimer_forward. */
  #expire(): void {
    this.#timer = undefined;
    let count = 1n;
    if (this.#interval > 0n) {
      const now = this.timers.clock.now();
      if (now > this.#deadline) count += (now - this.#deadline) / this.#interval;
      this.#arm(this.#deadline + count * this.#interval);
    }
    this.#expirations += count;
    this.readiness.notify();
  }

  override read(buf: Uint8Array, waiter?: Interruptible): number | Promise<number> {
    this.checkReadable();
    if (buf.length < 8) throw new KernelError(Errno.EINVAL);
    if (this.#expirations > 0n) return this.#take(buf);
    if (this.statusFlags & O_NONBLOCK) throw new KernelError(Errno.EAGAIN);
    return waitUntilReady(this.readiness, () => this.#expirations > 0n, waiter?.interruption()).then(() => this.#take(buf));
  }

  #take(buf: Uint8Array): number {
    new DataView(buf.buffer, buf.byteOffset, 8).setBigUint64(0, this.#expirations, true);
    this.#expirations = 0n;
    return 8;
  }

  override write(_buf: Uint8Array): number {
    throw new KernelError(Errno.EINVAL);
  }

  override poll(events: number): number {
    return this.#expirations > 0n ? events & POLLIN : 0;
  }

  override stat(): Stat {
    return this.#stat;
  }

  override close(): void {
    this.#timer?.cancel();
    this.#timer = undefined;
  }
}
