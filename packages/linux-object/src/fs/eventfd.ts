/**
 * eventfd: a 64-bit counter that write(2) adds to and read(2) takes (all of it, or one in
 * semaphore mode), blocking while the read would find 0 or the write would overflow.
 *
 * @module
 */
import { O_NONBLOCK, O_RDWR } from '../abi/fcntl.js';
import { POLLIN, POLLOUT } from '../abi/poll.js';
import type { Stat } from '../abi/stat.js';
import { Errno, KernelError } from '../errno.js';
import { anonInodeStat } from './anon-inode.js';
import { FileBase, type Interruptible } from './open-file.js';
import { Readiness, waitUntilReady } from './readiness.js';

/** eventfd2 flags. EFD_CLOEXEC and EFD_NONBLOCK are O_CLOEXEC and O_NONBLOCK. */
export const EFD_SEMAPHORE = 1;
export const EFD_NONBLOCK = O_NONBLOCK;
export const EFD_CLOEXEC = 0o2000000;

/** The largest value the counter holds (2^64 - 2). */
const COUNTER_MAX = 0xffff_ffff_ffff_fffen;

/** An eventfd's open file. */
export class EventFdFile extends FileBase {
  #counter: bigint;
  readonly #semaphore: boolean;
  readonly #stat = anonInodeStat();
  readonly readiness = new Readiness();

  /** `flags` may hold EFD_SEMAPHORE and EFD_NONBLOCK. */
  constructor(initval: number, flags: number) {
    super('anon_inode:[eventfd]', O_RDWR | (flags & O_NONBLOCK));
    this.#counter = BigInt(initval >>> 0);
    this.#semaphore = (flags & EFD_SEMAPHORE) !== 0;
  }

  /** The counter (for tests and /proc fdinfo). */
  get counter(): bigint {
    return this.#counter;
  }

  override read(buf: Uint8Array, waiter?: Interruptible): number | Promise<number> {
    this.checkReadable();
    if (buf.length < 8) throw new KernelError(Errno.EINVAL);
    if (this.#counter > 0n) return this.#take(buf);
    if (this.statusFlags & O_NONBLOCK) throw new KernelError(Errno.EAGAIN);
    return waitUntilReady(this.readiness, () => this.#counter > 0n, waiter?.interruption()).then(() => this.#take(buf));
  }

  #take(buf: Uint8Array): number {
    const value = this.#semaphore ? 1n : this.#counter;
    this.#counter -= value;
    new DataView(buf.buffer, buf.byteOffset, 8).setBigUint64(0, value, true);
    this.readiness.notify();
    return 8;
  }

  override write(buf: Uint8Array, waiter?: Interruptible): number | Promise<number> {
    this.checkWritable();
    if (buf.length < 8) throw new KernelError(Errno.EINVAL);
    const value = new DataView(buf.buffer, buf.byteOffset, 8).getBigUint64(0, true);
    if (value === 0xffff_ffff_ffff_ffffn) throw new KernelError(Errno.EINVAL);
    const fits = (): boolean => value <= COUNTER_MAX - this.#counter;
    if (fits()) return this.#add(value);
    if (this.statusFlags & O_NONBLOCK) throw new KernelError(Errno.EAGAIN);
    return waitUntilReady(this.readiness, fits, waiter?.interruption()).then(() => this.#add(value));
  }

  #add(value: bigint): number {
    this.#counter += value;
    if (value > 0n) this.readiness.notify();
    return 8;
  }

  override poll(events: number): number {
    let r = 0;
    if (this.#counter > 0n) r |= POLLIN;
    if (this.#counter < COUNTER_MAX) r |= POLLOUT;
    return r & events;
  }

  override stat(): Stat {
    return this.#stat;
  }
}
