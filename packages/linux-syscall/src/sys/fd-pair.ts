/**
 * Installing two new files as a pair of fds and writing `int[2]` to the guest: pipe2 and
 * socketpair. Nothing is left behind if any step fails.
 *
 * @module
 */
import type { OpenFile } from '@rvisor/linux-object';
import type { SyscallContext } from '../context.js';

/** Install `a` and `b` (fresh files) and store their fds at `addr`; returns 0. */
export function installPair(ctx: SyscallContext, a: OpenFile, b: OpenFile, cloexec: boolean, addr: number): number {
  const fds = ctx.process.fds;
  const fa = fds.install(a, { cloexec });
  let fb: number;
  try {
    fb = fds.install(b, { cloexec });
  } catch (err) {
    fds.close(fa);
    b.close();
    throw err;
  }
  const out = new Uint8Array(8);
  const v = new DataView(out.buffer);
  v.setInt32(0, fa, true);
  v.setInt32(4, fb, true);
  try {
    ctx.mem.write(addr, out);
  } catch (err) {
    fds.close(fa);
    fds.close(fb);
    throw err;
  }
  return 0;
}
