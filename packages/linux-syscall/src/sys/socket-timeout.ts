/**
 * SO_RCVTIMEO and SO_SNDTIMEO, for sockets of every family: a call that blocks longer than the
 * socket's timeout fails with EAGAIN, or returns what it moved, as Linux's. Kept beside the
 * socket and consulted only when a call blocks, so the calls that do not pay nothing.
 *
 * @module
 */
import { Errno, KernelError, type OpenFile } from '@rvisor/linux-object';
import type { SyscallContext } from '../context.js';

const SO_RCVTIMEO_OLD = 20;
const SO_SNDTIMEO_OLD = 21;
const SO_RCVTIMEO_NEW = 66;
const SO_SNDTIMEO_NEW = 67;

/** Whether `name` is one of the timeout options (the old and new names are the same on x86-64). */
export function isTimeoutOption(name: number): boolean {
  return name === SO_RCVTIMEO_OLD || name === SO_SNDTIMEO_OLD || name === SO_RCVTIMEO_NEW || name === SO_SNDTIMEO_NEW;
}

type Direction = 'receive' | 'send';

const directionOf = (name: number): Direction => (name === SO_RCVTIMEO_OLD || name === SO_RCVTIMEO_NEW ? 'receive' : 'send');

/** Timeouts in ns by socket; absent or 0: wait for ever; NO_WAIT: fail as soon as a call blocks. */
const timeouts = new WeakMap<OpenFile, { receive: bigint; send: bigint }>();

/** Linux's HZ here: a timeout is kept in ticks, rounded up, and read back so. */
const TICK_NS = 4_000_000n;
const NO_WAIT = -1n;

/** setsockopt of SO_RCVTIMEO or SO_SNDTIMEO: a struct timeval (EINVAL if short, EDOM for tv_usec out of range). */
export function setTimeoutOption(sock: OpenFile, name: number, raw: Uint8Array): void {
  if (raw.length < 16) throw new KernelError(Errno.EINVAL);
  const v = new DataView(raw.buffer, raw.byteOffset, 16);
  const sec = v.getBigInt64(0, true);
  const usec = v.getBigInt64(8, true);
  if (usec < 0n || usec >= 1_000_000n) throw new KernelError(Errno.EDOM);
  // A negative time is no wait at all, as Linux's sock_set_timeout; 0 is for ever.
  const ns = sec < 0n ? NO_WAIT : ((sec * 1_000_000_000n + usec * 1000n + TICK_NS - 1n) / TICK_NS) * TICK_NS;
  let t = timeouts.get(sock);
  if (t === undefined) timeouts.set(sock, t = { receive: 0n, send: 0n });
  t[directionOf(name)] = ns;
}

/** getsockopt of SO_RCVTIMEO or SO_SNDTIMEO: the struct timeval kept. */
export function timeoutOption(sock: OpenFile, name: number): Uint8Array {
  const kept = timeouts.get(sock)?.[directionOf(name)] ?? 0n;
  const ns = kept === NO_WAIT ? 0n : kept;
  const out = new Uint8Array(16);
  const v = new DataView(out.buffer);
  v.setBigInt64(0, ns / 1_000_000_000n, true);
  v.setBigInt64(8, (ns % 1_000_000_000n) / 1000n, true);
  return out;
}

/**
 * `result` of a call on `sock` (a file, or the fd of one), which ends with EAGAIN when it blocks past the socket's timeout
 * for `direction`: the timer aborts the thread's wait (the call's own handling returns what it
 * moved), and goes once the call settles.
 */
export function timed<T>(ctx: SyscallContext, sock: OpenFile | number, direction: Direction, result: T | Promise<T>): T | Promise<T> {
  if (!(result instanceof Promise)) return result;
  const file = typeof sock === 'number' ? ctx.process.fds.get(sock) : sock; // an fd: looked up only now
  const ns = timeouts.get(file)?.[direction] ?? 0n;
  const blocker = ctx.thread.blocker;
  if (ns === 0n || blocker === null) return result;
  const timers = ctx.kernel.timers;
  const timer = timers.add(timers.clock.now() + (ns === NO_WAIT ? 0n : ns), () => blocker.abort(new KernelError(Errno.EAGAIN)));
  return result.finally(() => timer.cancel());
}
