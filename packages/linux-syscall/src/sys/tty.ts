/**
 * Terminal ioctls that depend on the caller's session and process group: TIOCSCTTY, TIOCNOTTY,
 * TIOCGSID, TIOCGPGRP and TIOCSPGRP, with Linux's checks. Every other request goes on to
 * ioctl(2)'s generic path (sys/file.ts), which lets the file answer.
 *
 * @module
 */
import {
  attachControllingTerminal, CAP_SYS_ADMIN, capable, controllingTerminal, detachControllingTerminal, Errno,
  KernelError, processGroup, PtyMasterFile, PtySlaveFile, signalForeground, Signo, terminalOf, TIOCGPGRP, TIOCGSID,
  TIOCNOTTY, TIOCSCTTY, TIOCSPGRP, type OpenFile, type Terminal,
} from '@rvisor/linux-object';
import type { SyscallContext } from '../context.js';
import { sysIoctl as genericIoctl } from './file.js';

/**
 * Whether `file` may ask about `tty` without it being the caller's controlling terminal: Linux
 * lets a pty master query its slave's session and group, never a slave that is someone else's.
 */
function mustBeCallers(ctx: SyscallContext, file: OpenFile, tty: Terminal): void {
  if (file instanceof PtyMasterFile) return;
  if (controllingTerminal(ctx.kernel, ctx.process) !== tty) throw new KernelError(Errno.ENOTTY);
}

function writeInt(ctx: SyscallContext, value: number): void {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setInt32(0, value, true);
  ctx.mem.write(ctx.addr(2), b);
}

/** TIOCSCTTY: make the terminal the controlling terminal of the caller's session. */
function setControllingTerminal(ctx: SyscallContext, tty: Terminal): number {
  const proc = ctx.process;
  const current = controllingTerminal(ctx.kernel, proc);
  if (current === tty) return 0;
  if (proc.sid !== proc.pid || current !== undefined) throw new KernelError(Errno.EPERM);
  if (tty.session !== undefined) {
    // Another session's terminal: only CAP_SYS_ADMIN stealing it with arg 1.
    if (ctx.int(2) !== 1 || !capable(proc.cred, CAP_SYS_ADMIN)) throw new KernelError(Errno.EPERM);
    detachControllingTerminal(ctx.kernel, tty);
  }
  attachControllingTerminal(ctx.kernel, proc, tty);
  return 0;
}

/** TIOCNOTTY: give up the controlling terminal; a session leader hangs up its foreground group. */
function dropControllingTerminal(ctx: SyscallContext, tty: Terminal): number {
  const proc = ctx.process;
  if (controllingTerminal(ctx.kernel, proc) !== tty) throw new KernelError(Errno.ENOTTY);
  if (proc.sid === proc.pid) {
    signalForeground(ctx.kernel, tty, Signo.SIGHUP);
    signalForeground(ctx.kernel, tty, Signo.SIGCONT);
    detachControllingTerminal(ctx.kernel, tty);
  }
  return 0;
}

/** TIOCSPGRP (tcsetpgrp): a group of the caller's session becomes the foreground. */
function setForeground(ctx: SyscallContext, tty: Terminal): number {
  const proc = ctx.process;
  if (controllingTerminal(ctx.kernel, proc) !== tty || tty.session !== proc.sid) throw new KernelError(Errno.ENOTTY);
  const pgrp = new DataView(ctx.mem.read(ctx.addr(2), 4).buffer).getInt32(0, true);
  if (pgrp < 0) throw new KernelError(Errno.EINVAL);
  const members = processGroup(ctx.kernel, pgrp);
  if (members.length === 0) throw new KernelError(Errno.ESRCH);
  if (members.some((p) => p.sid !== proc.sid)) throw new KernelError(Errno.EPERM);
  tty.foregroundPgrp = pgrp;
  return 0;
}

/**
 * Implements Linux syscall ioctl(2): job-control requests on terminals here, everything else
 * through the generic path (fd flags, then the file's own ioctl).
 */
export function sysIoctl(ctx: SyscallContext) {
  const file = ctx.process.fds.get(ctx.int(0));
  const tty = terminalOf(file);
  // A host terminal no session has taken keeps the file's own answers (tests, detached stdio).
  if (tty === undefined || (tty.session === undefined && !isPty(file))) {
    return genericIoctl(ctx);
  }
  switch (ctx.uint(1)) {
    case TIOCSCTTY:
      return setControllingTerminal(ctx, tty);
    case TIOCNOTTY:
      return dropControllingTerminal(ctx, tty);
    case TIOCGSID:
      mustBeCallers(ctx, file, tty);
      if (tty.session === undefined) throw new KernelError(Errno.ENOTTY);
      writeInt(ctx, tty.session);
      return 0;
    case TIOCGPGRP:
      mustBeCallers(ctx, file, tty);
      writeInt(ctx, tty.foregroundPgrp ?? 0);
      return 0;
    case TIOCSPGRP:
      return setForeground(ctx, tty);
    default:
      return genericIoctl(ctx);
  }
}

/** Either side of an in-kernel pseudo-terminal. */
function isPty(file: OpenFile): boolean {
  return file instanceof PtyMasterFile || file instanceof PtySlaveFile;
}
