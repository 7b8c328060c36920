/**
 * getrandom, sysinfo.
 *
 * @module
 */
import { loadavg } from 'node:os';
import { Errno, fillRandom, GRND_INSECURE, GRND_NONBLOCK, GRND_RANDOM, KernelError } from '@rvisor/linux-object';
import type { SyscallContext } from '../context.js';

/** Implements Linux syscall getrandom(2). */
export function sysGetrandom(ctx: SyscallContext) {
  if ((ctx.int(2) & ~(GRND_NONBLOCK | GRND_RANDOM | GRND_INSECURE)) !== 0) throw new KernelError(Errno.EINVAL);
  let n = 0;
  for (const seg of ctx.mem.buffer(ctx.addr(0), ctx.count(1), 'write')) {
    fillRandom(seg);
    n += seg.length;
  }
  return n;
}

const kernelStart = process.hrtime.bigint();

/**
 * Implements Linux syscall sysinfo(2): the container's view — uptime since the sandbox started,
 * RAM as the kernel's `memoryTotal` (its limit, or the host's memory) less what its guests hold, no
 * swap, and the number of its processes.
 */
export function sysSysinfo(ctx: SyscallContext) {
  const account = ctx.kernel.memoryAccount;
  const total = ctx.kernel.memoryTotal;
  const free = Math.max(0, total - account.used);
  const procs = [...ctx.kernel.processes.values()].filter((p) => !p.dead).length;
  const [l1, l5, l15] = loadavg();
  const buf = new Uint8Array(112);
  const v = new DataView(buf.buffer);
  v.setBigInt64(0, (process.hrtime.bigint() - kernelStart) / 1_000_000_000n, true); // uptime
  [l1, l5, l15].forEach((l, i) => v.setBigUint64(8 + i * 8, BigInt(Math.round(l * 65536)), true)); // loads (<<16)
  v.setBigUint64(32, BigInt(total), true); // totalram
  v.setBigUint64(40, BigInt(free), true); // freeram
  v.setUint16(80, Math.min(procs, 0xffff), true); // procs
  v.setUint32(104, 1, true); // mem_unit
  ctx.mem.write(ctx.addr(0), buf);
  return 0;
}
