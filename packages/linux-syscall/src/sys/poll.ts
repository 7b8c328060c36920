/**
 * poll and ppoll over the files of this milestone (regular files, devices, host stdio).
 *
 * @module
 */
import { ERESTARTNOHAND, Errno, KernelError } from '@rvisor/linux-object';
import type { SyscallContext } from '../context.js';

const POLLNVAL = 0x20;
const RECHECK_NS = 10_000_000n;

/** Readiness of each pollfd; writes revents back and returns how many are ready. */
function scan(ctx: SyscallContext, addr: number, nfds: number): number {
  const raw = ctx.mem.read(addr, nfds * 8);
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  let ready = 0;
  for (let i = 0; i < nfds; i++) {
    const fd = view.getInt32(i * 8, true);
    const events = view.getInt16(i * 8 + 4, true);
    let revents = 0;
    if (fd >= 0) {
      revents = ctx.process.fds.has(fd) ? ctx.process.fds.get(fd).poll(events | 0x18) & (events | 0x38) : POLLNVAL;
    }
    view.setInt16(i * 8 + 6, revents, true);
    if (revents !== 0) ready++;
  }
  ctx.mem.write(addr, raw);
  return ready;
}

async function pollWait(ctx: SyscallContext, addr: number, nfds: number, timeoutNs: bigint | null): Promise<number> {
  const timers = ctx.kernel.timers;
  const deadline = timeoutNs === null ? null : timers.clock.now() + timeoutNs;
  for (;;) {
    const now = timers.clock.now();
    if (deadline !== null && now >= deadline) return 0;
    // Not-ready host fds are re-checked every 10 ms (readiness wake-ups for poll: next milestone).
    const until = deadline === null || deadline - now > RECHECK_NS ? now + RECHECK_NS : deadline;
    try {
      await timers.sleepUntil(until, ctx.interruption());
    } catch (err) {
      if (ctx.thread.blocker?.signal.aborted) return -ERESTARTNOHAND;
      throw err;
    }
    const n = scan(ctx, addr, nfds);
    if (n > 0) return n;
  }
}

function doPoll(ctx: SyscallContext, addr: number, nfds: number, timeoutNs: bigint | null) {
  if (nfds < 0 || nfds > ctx.process.fds.limit) throw new KernelError(Errno.EINVAL);
  const n = scan(ctx, addr, nfds);
  if (n > 0 || timeoutNs === 0n) return n;
  return pollWait(ctx, addr, nfds, timeoutNs);
}

/** Implements Linux syscall poll(2). */
export function sysPoll(ctx: SyscallContext) {
  const ms = ctx.int(2);
  return doPoll(ctx, ctx.addr(0), ctx.int(1), ms < 0 ? null : BigInt(ms) * 1_000_000n);
}

/** Implements Linux syscall ppoll(2) (the signal mask applies once signals are delivered). */
export function sysPpoll(ctx: SyscallContext) {
  const tsAddr = ctx.addr(2);
  let timeout: bigint | null = null;
  if (tsAddr !== 0) {
    const sec = BigInt.asIntN(64, ctx.mem.readU64(tsAddr));
    const nsec = BigInt.asIntN(64, ctx.mem.readU64(tsAddr + 8));
    if (sec < 0n || nsec < 0n || nsec >= 1_000_000_000n) throw new KernelError(Errno.EINVAL);
    timeout = sec * 1_000_000_000n + nsec;
  }
  return doPoll(ctx, ctx.addr(0), ctx.int(1), timeout);
}
