/**
 * pipe and pipe2.
 *
 * @module
 */
import { Errno, KernelError, O_CLOEXEC, O_DIRECT, O_NONBLOCK, createPipe } from '@rvisor/linux-object';
import type { SyscallContext } from '../context.js';

function pipe2(ctx: SyscallContext, fdsAddr: number, flags: number): number {
  if (flags & ~(O_CLOEXEC | O_NONBLOCK | O_DIRECT)) throw new KernelError(Errno.EINVAL);
  const fds = ctx.process.fds;
  const [r, w] = createPipe(flags);
  const cloexec = (flags & O_CLOEXEC) !== 0;
  const rfd = fds.install(r, { cloexec });
  let wfd: number;
  try {
    wfd = fds.install(w, { cloexec });
  } catch (err) {
    fds.close(rfd);
    w.close();
    throw err;
  }
  const out = new Uint8Array(8);
  const v = new DataView(out.buffer);
  v.setInt32(0, rfd, true);
  v.setInt32(4, wfd, true);
  try {
    ctx.mem.write(fdsAddr, out);
  } catch (err) {
    fds.close(rfd);
    fds.close(wfd);
    throw err;
  }
  return 0;
}

/** Implements Linux syscall pipe2(2). */
export function sysPipe2(ctx: SyscallContext) {
  return pipe2(ctx, ctx.addr(0), ctx.int(1));
}

/** Implements Linux syscall pipe(2). */
export function sysPipe(ctx: SyscallContext) {
  return pipe2(ctx, ctx.addr(0), 0);
}
