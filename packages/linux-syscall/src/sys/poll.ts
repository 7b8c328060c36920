/**
 * poll, ppoll, select and pselect6, and the readiness wait they share with epoll_wait: scan the
 * files, and if none is ready sleep until one of them notifies its readiness, the timeout
 * passes, or a signal interrupts. Nothing is re-checked on a timer: host stdio is notified by
 * the host (a watch on its fd) and a signalfd by signal generation.
 *
 * @module
 */
import {
  ERESTARTNOHAND, ERESTART_RESTARTBLOCK, Errno, KernelError, POLLERR, POLLHUP, POLLIN, POLLNVAL, POLLOUT, POLLPRI, POLLRDBAND,
  POLLRDNORM, POLLWRBAND, POLLWRNORM, StructBuffer, UNBLOCKABLE, hasDeliverable, type OpenFile, type Readiness,
} from '@rvisor/linux-object';
import { AbortScope } from '@rvisor/async-executor';
import type { SyscallContext } from '../context.js';
import { readTimeout, writeTime } from './timespec.js';
import { setRestart } from './restart.js';

/**
 * Sleep until one of `notifiers` fires or `deadline` (monotonic ns) passes. Rejects when a signal
 * interrupts the thread.
 */
export async function waitForReadiness(ctx: SyscallContext, notifiers: Iterable<Readiness>, deadline: bigint | null): Promise<void> {
  const timers = ctx.kernel.timers;
  // Aborted by a signal for the thread, or below once one wait has won.
  const round = new AbortScope(ctx.interruption());
  const signal = round.signal;
  const waits: Promise<void>[] = [];
  for (const r of new Set(notifiers)) waits.push(r.next(signal));
  if (deadline !== null) waits.push(timers.sleepUntil(deadline, signal));
  // The losers are aborted below; their rejections are expected.
  for (const w of waits) w.catch(() => {});
  try {
    await Promise.race(waits);
  } finally {
    round.abort();
    round.dispose();
  }
}

/**
 * A {@link Scan} of `files` with `ready` of them ready. A file without a notifier is always ready
 * (a regular file, a directory, a device), so it never makes a scan wait.
 */
export function scanOf(ready: number, files: Iterable<OpenFile>): Scan {
  const notifiers: Readiness[] = [];
  for (const f of files) if (f.readiness !== undefined) notifiers.push(f.readiness);
  return { ready, notifiers };
}

/** What one scan found: how many are ready, and what to sleep on if none is. */
export interface Scan {
  ready: number;
  notifiers: Readiness[];
}

/**
 * Scan with `scan` until something is ready or `timeoutNs` passes; a signal makes the call
 * return `-interrupted`.
 */
export function readinessLoop(
  ctx: SyscallContext, timeoutNs: bigint | null, scan: () => Scan, interrupted: number,
): number | Promise<number> {
  const first = scan();
  if (first.ready > 0 || timeoutNs === 0n) return first.ready;
  const timers = ctx.kernel.timers;
  const deadline = timeoutNs === null ? null : timers.clock.now() + timeoutNs;
  return (async () => {
    let last = first;
    for (;;) {
      try {
        await waitForReadiness(ctx, last.notifiers, deadline);
      } catch (err) {
        if (ctx.thread.blocker?.signal.aborted) return -interrupted;
        throw err;
      }
      last = scan();
      if (last.ready > 0) return last.ready;
      if (deadline !== null && timers.clock.now() >= deadline) return 0;
    }
  })();
}

/**
 * Run a call with a temporary signal mask (ppoll, pselect6, epoll_pwait): an interrupted call
 * leaves the old mask for the signal frame to restore, as rt_sigsuspend; any other result
 * restores it at once.
 */
export function withSignalMask(
  ctx: SyscallContext, mask: bigint | null, run: () => number | Promise<number>,
): number | Promise<number> {
  if (mask === null) return run();
  const thread = ctx.thread;
  thread.suspendedMask ??= thread.signalMask;
  thread.signalMask = mask & ~UNBLOCKABLE;
  const finish = (r: number): number => {
    const interrupted = r === -ERESTARTNOHAND || r === -Errno.EINTR;
    if (!(interrupted && hasDeliverable(thread)) && thread.suspendedMask !== null) {
      thread.signalMask = thread.suspendedMask;
      thread.suspendedMask = null;
    }
    return r;
  };
  const restore = (err: unknown): never => {
    finish(0);
    throw err;
  };
  try {
    const r = run();
    return typeof r === 'number' ? finish(r) : r.then(finish, restore);
  } catch (err) {
    return restore(err);
  }
}

/** Read a sigset argument (`size` must be 8), or null when `addr` is 0. */
export function readSigmask(ctx: SyscallContext, addr: number, size: number): bigint | null {
  if (addr === 0) return null;
  if (size !== 8) throw new KernelError(Errno.EINVAL);
  return ctx.mem.readU64(addr);
}

// ---- poll ----

/** The pollfd array of the scan in progress (a scan reads, updates and writes it back at once). */
const pollfds = new StructBuffer(16 * 8);

/** Readiness of each pollfd; writes revents back and returns how many are ready. */
function scanPollfds(ctx: SyscallContext, addr: number, nfds: number): Scan {
  const raw = pollfds.take(nfds * 8);
  ctx.mem.readInto(addr, raw);
  const view = pollfds.view;
  const files: OpenFile[] = [];
  let ready = 0;
  for (let i = 0; i < nfds; i++) {
    const fd = view.getInt32(i * 8, true);
    const events = view.getInt16(i * 8 + 4, true) & 0xffff;
    let revents = 0;
    if (fd >= 0) {
      if (ctx.process.fds.has(fd)) {
        const file = ctx.process.fds.get(fd);
        files.push(file);
        revents = file.poll(events | POLLERR | POLLHUP) & (events | POLLERR | POLLHUP);
      } else {
        revents = POLLNVAL;
      }
    }
    view.setInt16(i * 8 + 6, revents, true);
    if (revents !== 0) ready++;
  }
  ctx.mem.write(addr, raw);
  return scanOf(ready, files);
}

/** poll's scan and wait; `interrupted` is what a signal makes it return (ppoll's ERESTARTNOHAND, poll's restart block). */
function doPoll(ctx: SyscallContext, addr: number, nfds: number, timeoutNs: bigint | null, interrupted = ERESTARTNOHAND) {
  if (nfds < 0 || nfds > ctx.process.fds.limit) throw new KernelError(Errno.EINVAL);
  return readinessLoop(ctx, timeoutNs, () => scanPollfds(ctx, addr, nfds), interrupted);
}

/** Implements Linux syscall poll(2). */
export function sysPoll(ctx: SyscallContext) {
  const ms = ctx.int(2);
  return pollUntil(ctx, ctx.addr(0), ctx.int(1), ms < 0 ? null : ctx.kernel.timers.clock.now() + BigInt(ms) * 1_000_000n);
}

/**
 * poll until `deadline` (null: no limit). Interrupted, it leaves a restart block that polls on to
 * the same deadline, as Linux's do_restart_poll: a stop and a continue do not start its timeout again.
 */
function pollUntil(ctx: SyscallContext, addr: number, nfds: number, deadline: bigint | null): number | Promise<number> {
  const now = ctx.kernel.timers.clock.now();
  const left = deadline === null ? null : deadline > now ? deadline - now : 0n;
  const r = doPoll(ctx, addr, nfds, left, ERESTART_RESTARTBLOCK);
  if (typeof r === 'number') return r;
  return r.then((n) => {
    if (n === -ERESTART_RESTARTBLOCK) setRestart(ctx, (c) => pollUntil(c, addr, nfds, deadline));
    return n;
  });
}

/** Implements Linux syscall ppoll(2). */
export function sysPpoll(ctx: SyscallContext) {
  const timeout = readTimeout(ctx, ctx.addr(2));
  const mask = readSigmask(ctx, ctx.addr(3), ctx.addr(4));
  return withSignalMask(ctx, mask, () => withTimeLeft(ctx, ctx.addr(2), timeout, false, () => doPoll(ctx, ctx.addr(0), ctx.int(1), timeout)));
}

/**
 * Run a ppoll, select or pselect6 whose timeout (`timeoutNs`, not zero) is at `addr`: when it
 * returns, the time left is written back there, in microseconds for select's timeval, as Linux's
 * poll_select_finish does, so that a restarted call waits only what is left. A timeout the guest
 * cannot write is left as it was, and an interrupted call then fails with EINTR.
 */
function withTimeLeft(
  ctx: SyscallContext, addr: number, timeoutNs: bigint | null, timeval: boolean, run: () => number | Promise<number>,
): number | Promise<number> {
  if (timeoutNs === null || timeoutNs === 0n) return run();
  const clock = ctx.kernel.timers.clock;
  const deadline = clock.now() + timeoutNs;
  const finish = (r: number): number => {
    const now = clock.now();
    try {
      writeTime(ctx, addr, deadline > now ? deadline - now : 0n, timeval ? 1000n : 1n);
    } catch {
      return r === -ERESTARTNOHAND ? -Errno.EINTR : r;
    }
    return r;
  };
  const r = run();
  return typeof r === 'number' ? finish(r) : r.then(finish);
}

// ---- select ----

const SELECT_IN = POLLIN | POLLRDNORM | POLLRDBAND | POLLHUP | POLLERR;
const SELECT_OUT = POLLOUT | POLLWRNORM | POLLWRBAND | POLLERR;
const SELECT_EX = POLLPRI;

/** The three fd_set arguments (null when absent), `bytes` long each. */
interface FdSets {
  sets: (Uint8Array | null)[];
  addrs: number[];
  bytes: number;
}

function readFdSets(ctx: SyscallContext, nfds: number, addrs: number[]): FdSets {
  // fd_set is an array of longs: copy whole 8-byte words, as Linux does.
  const bytes = Math.ceil(nfds / 64) * 8;
  const sets = addrs.map((a) => (a === 0 || bytes === 0 ? null : ctx.mem.read(a, bytes).slice()));
  return { sets, addrs, bytes };
}

function scanFdSets(ctx: SyscallContext, nfds: number, input: FdSets): { ready: number; files: OpenFile[]; out: Uint8Array[] } {
  const masks = [SELECT_IN, SELECT_OUT, SELECT_EX];
  const out = input.sets.map(() => new Uint8Array(input.bytes));
  const files: OpenFile[] = [];
  let ready = 0;
  for (let fd = 0; fd < nfds; fd++) {
    const byte = fd >> 3;
    const bit = 1 << (fd & 7);
    let wanted = 0;
    input.sets.forEach((s, k) => {
      if (s !== null && (s[byte] & bit) !== 0) wanted |= masks[k];
    });
    if (wanted === 0) continue;
    const file = ctx.process.fds.get(fd); // EBADF for a closed fd in any set
    files.push(file);
    const revents = file.poll(wanted | POLLERR | POLLHUP);
    input.sets.forEach((s, k) => {
      if (s !== null && (s[byte] & bit) !== 0 && (revents & masks[k]) !== 0) {
        out[k][byte] |= bit;
        ready++;
      }
    });
  }
  return { ready, files, out };
}

function doSelect(ctx: SyscallContext, nfds: number, addrs: number[], timeoutNs: bigint | null): number | Promise<number> {
  if (nfds < 0) throw new KernelError(Errno.EINVAL);
  nfds = Math.min(nfds, ctx.process.fds.limit);
  const input = readFdSets(ctx, nfds, addrs);
  let last: Uint8Array[] = [];
  const finish = (r: number): number => {
    if (r < 0) return r;
    // Write the result sets back (all zero on a timeout).
    input.sets.forEach((s, k) => {
      if (s !== null) ctx.mem.write(addrs[k], r > 0 ? last[k] : new Uint8Array(input.bytes));
    });
    return r;
  };
  const r = readinessLoop(ctx, timeoutNs, () => {
    const scan = scanFdSets(ctx, nfds, input);
    last = scan.out;
    return scanOf(scan.ready, scan.files);
  }, ERESTARTNOHAND);
  return typeof r === 'number' ? finish(r) : r.then(finish);
}

/** Implements Linux syscall select(2). */
export function sysSelect(ctx: SyscallContext) {
  const tvAddr = ctx.addr(4);
  let timeout: bigint | null = null;
  if (tvAddr !== 0) {
    const sec = BigInt.asIntN(64, ctx.mem.readU64(tvAddr));
    const usec = BigInt.asIntN(64, ctx.mem.readU64(tvAddr + 8));
    if (sec < 0n || usec < 0n) throw new KernelError(Errno.EINVAL);
    timeout = sec * 1_000_000_000n + usec * 1000n;
  }
  return withTimeLeft(ctx, tvAddr, timeout, true, () => doSelect(ctx, ctx.int(0), [ctx.addr(1), ctx.addr(2), ctx.addr(3)], timeout));
}

/** Implements Linux syscall pselect6(2). */
export function sysPselect6(ctx: SyscallContext) {
  const timeout = readTimeout(ctx, ctx.addr(4));
  let mask: bigint | null = null;
  const sigAddr = ctx.addr(5);
  if (sigAddr !== 0) {
    // struct { const sigset_t *ss; size_t ss_len; }
    mask = readSigmask(ctx, Number(ctx.mem.readU64(sigAddr)), Number(ctx.mem.readU64(sigAddr + 8)));
  }
  const sets = [ctx.addr(1), ctx.addr(2), ctx.addr(3)];
  return withSignalMask(ctx, mask, () => withTimeLeft(ctx, ctx.addr(4), timeout, false, () => doSelect(ctx, ctx.int(0), sets, timeout)));
}
