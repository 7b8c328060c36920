/**
 * signalfd: reading pending signals as `signalfd_siginfo` records instead of having them
 * delivered. As in Linux, the signals must be blocked by the caller, or they are delivered first.
 *
 * @module
 */
import { O_NONBLOCK, O_RDWR } from '../abi/fcntl.js';
import { POLLIN } from '../abi/poll.js';
import type { Stat } from '../abi/stat.js';
import { Errno, KernelError, isKernelError } from '../errno.js';
import type { LinuxProcess, LinuxThread } from '../process/process.js';
import { UNBLOCKABLE, hasDeliverable, type PendingSignals, type SigInfo } from '../process/signals.js';
import { anonInodeStat } from './anon-inode.js';
import { FileBase, type Interruptible } from './open-file.js';
import type { Readiness } from './readiness.js';

/** signalfd4 flags (O_NONBLOCK and O_CLOEXEC). */
export const SFD_NONBLOCK = O_NONBLOCK;
export const SFD_CLOEXEC = 0o2000000;
/** Size of `struct signalfd_siginfo`. */
export const SIGNALFD_SIGINFO_SIZE = 128;

/** A reader that can say which thread it is (the syscall context does): its own pending set counts. */
interface ThreadReader extends Interruptible {
  readonly thread: LinuxThread;
}

function readerThread(waiter: Interruptible | undefined): LinuxThread | undefined {
  return waiter !== undefined && 'thread' in waiter ? (waiter as ThreadReader).thread : undefined;
}

/** `struct signalfd_siginfo` for `info`. */
export function encodeSignalfdSiginfo(info: SigInfo, out: Uint8Array): void {
  out.fill(0, 0, SIGNALFD_SIGINFO_SIZE);
  const v = new DataView(out.buffer, out.byteOffset, SIGNALFD_SIGINFO_SIZE);
  v.setUint32(0, info.signo, true);
  v.setInt32(8, info.code, true);
  v.setUint32(12, info.pid ?? 0, true);
  v.setUint32(16, info.uid ?? 0, true);
  v.setInt32(40, info.status ?? 0, true);
  if (info.poll !== undefined) {
    v.setInt32(20, info.poll.fd, true); // ssi_fd
    v.setUint32(28, info.poll.band, true); // ssi_band
  }
  if (info.timer !== undefined) {
    v.setUint32(24, info.timer.id, true); // ssi_tid
    v.setUint32(32, info.timer.overrun, true);
  }
  const value = info.timer?.value ?? info.value;
  if (value !== undefined) {
    v.setInt32(44, Number(BigInt.asIntN(32, value)), true); // ssi_int
    v.setBigUint64(48, value, true); // ssi_ptr
  }
  v.setBigUint64(72, info.addr ?? 0n, true);
}

/**
 * A signalfd's open file. Its readiness is the kernel's `signalArrivals`, notified whenever a
 * signal becomes pending (a poll or epoll on it then looks again); a blocking read waits like
 * rt_sigtimedwait.
 */
export class SignalFdFile extends FileBase {
  #mask: bigint;
  readonly #stat = anonInodeStat();

  constructor(
    private readonly creator: LinuxProcess,
    mask: bigint,
    flags: number,
    readonly readiness: Readiness,
  ) {
    super('anon_inode:[signalfd]', O_RDWR | (flags & O_NONBLOCK));
    this.#mask = mask & ~UNBLOCKABLE;
  }

  /** The signals it reads. */
  get mask(): bigint {
    return this.#mask;
  }

  /** signalfd(2) on an existing signalfd: replace the mask. */
  setMask(mask: bigint): void {
    this.#mask = mask & ~UNBLOCKABLE;
  }

  /** The pending sets a reader takes from: its own thread's first, then the process's. */
  #sets(thread: LinuxThread | undefined): PendingSignals[] {
    if (thread !== undefined) return [thread.pending, thread.process.pending];
    return [...[...this.creator.threads.values()].map((t) => t.pending), this.creator.pending];
  }

  #take(thread: LinuxThread | undefined): SigInfo | undefined {
    for (const pending of this.#sets(thread)) {
      const info = pending.take(this.#mask);
      if (info !== undefined) return info;
    }
    return undefined;
  }

  /** Fill `buf` with as many records as are pending and fit; 0 if none. */
  #fill(buf: Uint8Array, thread: LinuxThread | undefined): number {
    let n = 0;
    while (n + SIGNALFD_SIGINFO_SIZE <= buf.length) {
      const info = this.#take(thread);
      if (info === undefined) break;
      encodeSignalfdSiginfo(info, buf.subarray(n));
      n += SIGNALFD_SIGINFO_SIZE;
    }
    return n;
  }

  override read(buf: Uint8Array, waiter?: Interruptible): number | Promise<number> {
    this.checkReadable();
    if (buf.length < SIGNALFD_SIGINFO_SIZE) throw new KernelError(Errno.EINVAL);
    const thread = readerThread(waiter);
    const n = this.#fill(buf, thread);
    if (n > 0) return n;
    if (this.statusFlags & O_NONBLOCK || waiter === undefined || thread === undefined) throw new KernelError(Errno.EAGAIN);
    return this.#readBlocking(buf, waiter, thread);
  }

  /** Wait as rt_sigtimedwait does: generation wakes a thread whose sigwaitSet holds the signal. */
  async #readBlocking(buf: Uint8Array, waiter: Interruptible, thread: LinuxThread): Promise<number> {
    const saved = thread.sigwaitSet;
    thread.sigwaitSet |= this.#mask;
    try {
      for (;;) {
        const signal = waiter.interruption();
        try {
          await new Promise<never>((_, reject) => {
            if (signal.aborted) reject(signal.reason);
            else signal.addEventListener('abort', () => reject(signal.reason), { once: true });
          });
        } catch (err) {
          const n = this.#fill(buf, thread);
          if (n > 0) return n;
          if (hasDeliverable(thread) || !isKernelError(err)) throw err; // a handler runs: EINTR or restart
        }
        thread.blocker = null; // woken for nothing of ours: wait again
      }
    } finally {
      thread.sigwaitSet = saved;
    }
  }

  override write(_buf: Uint8Array): number {
    throw new KernelError(Errno.EINVAL);
  }

  override poll(events: number): number {
    for (const pending of this.#sets(undefined)) if ((pending.mask & this.#mask) !== 0n) return events & POLLIN;
    return 0;
  }

  override stat(): Stat {
    return this.#stat;
  }
}
