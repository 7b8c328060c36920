/**
 * Process file descriptors: pidfd_open, pidfd_send_signal and pidfd_getfd (clone's CLONE_PIDFD
 * and waitid's P_PIDFD are in fork.ts). A pidfd names its process for good; once the process is
 * reaped, calls through it answer ESRCH.
 *
 * @module
 */
import {
  DirectoryFile, Errno, KernelError, mayInspect, O_NONBLOCK, PidFd, ProcessDir, SI_TKILL, SI_USER, sendSignal,
  type LinuxProcess,
} from '@rvisor/linux-object';
import type { SyscallContext } from '../context.js';
import { maySignal } from './signal.js';

const NSIG = 64;

/** A new pidfd for `proc` in the caller's fd table (pidfds are always close-on-exec). */
export function installPidFd(ctx: SyscallContext, proc: LinuxProcess, flags = 0): number {
  return ctx.process.fds.install(new PidFd(ctx.kernel, proc, flags), { cloexec: true });
}

/** The pidfd at `fd` (EBADF for any other file). */
export function pidFdOf(ctx: SyscallContext, fd: number): PidFd {
  const file = ctx.process.fds.get(fd);
  if (!(file instanceof PidFd)) throw new KernelError(Errno.EBADF);
  return file;
}

/**
 * Implements Linux syscall pidfd_open(2): a pidfd for process `pid` (a zombie's too), ESRCH once
 * reaped, EINVAL for a thread that does not lead its process. PIDFD_NONBLOCK is the one flag.
 */
export function sysPidfdOpen(ctx: SyscallContext): number {
  const pid = ctx.int(0);
  const flags = ctx.int(1);
  if ((flags & ~O_NONBLOCK) !== 0 || pid <= 0) throw new KernelError(Errno.EINVAL);
  const proc = ctx.kernel.processes.get(pid);
  if (proc === undefined) {
    if (ctx.kernel.processOfThread(pid) !== undefined) throw new KernelError(Errno.EINVAL);
    throw new KernelError(Errno.ESRCH);
  }
  return installPidFd(ctx, proc, flags);
}

/**
 * The process pidfd_send_signal's `fd` names: a pidfd's, or an open /proc/<pid> directory's, as
 * Linux's pidfd_to_pid (ESRCH when that process has been reaped); EBADF for any other file.
 */
function signalTarget(ctx: SyscallContext, fd: number): LinuxProcess {
  const file = ctx.process.fds.get(fd);
  if (file instanceof PidFd) return file.process;
  if (file instanceof DirectoryFile && file.inode instanceof ProcessDir) {
    const proc = ctx.kernel.processes.get(file.inode.pid);
    if (proc === undefined) throw new KernelError(Errno.ESRCH);
    return proc;
  }
  throw new KernelError(Errno.EBADF);
}

/**
 * Implements Linux syscall pidfd_send_signal(2): kill(2) of the pidfd's process, with a siginfo of
 * the caller's when given (whose si_signo must be `sig`; a code other than a user's needs the
 * caller to signal itself, EPERM otherwise, as rt_sigqueueinfo).
 */
export function sysPidfdSendSignal(ctx: SyscallContext): number {
  const target = signalTarget(ctx, ctx.int(0));
  const sig = ctx.int(1);
  const infoAddr = ctx.addr(2);
  if (ctx.int(3) !== 0 || sig < 0 || sig > NSIG) throw new KernelError(Errno.EINVAL);
  if (ctx.kernel.processes.get(target.pid) !== target) throw new KernelError(Errno.ESRCH); // reaped
  let info = { signo: sig, code: SI_USER, pid: ctx.process.pid, uid: ctx.process.cred.uid, value: 0n };
  if (infoAddr !== 0) {
    const raw = ctx.mem.read(infoAddr, 128);
    const v = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    if (v.getInt32(0, true) !== sig) throw new KernelError(Errno.EINVAL);
    const code = v.getInt32(8, true);
    if (target !== ctx.process && (code >= 0 || code === SI_TKILL)) throw new KernelError(Errno.EPERM);
    info = { signo: sig, code, pid: v.getInt32(16, true), uid: v.getInt32(20, true), value: v.getBigUint64(24, true) };
  }
  if (!maySignal(ctx.process, target, sig)) throw new KernelError(Errno.EPERM);
  if (sig === 0 || target.dead) return 0; // a zombie takes the signal and drops it
  if (!sendSignal(ctx.kernel, target, info)) throw new KernelError(Errno.EAGAIN);
  return 0;
}

/**
 * Implements Linux syscall pidfd_getfd(2): a duplicate of the pidfd's process's file `fd` in the
 * caller, close-on-exec. As ptrace's attach check (`mayInspect`): the caller needs the target's
 * uids and gids (all of them its own real one), a dumpable target and no fewer permitted
 * capabilities, or CAP_SYS_PTRACE; ESRCH once the process has exited.
 */
export function sysPidfdGetfd(ctx: SyscallContext): number {
  const pidfd = pidFdOf(ctx, ctx.int(0));
  const fd = ctx.int(1);
  if (ctx.int(2) !== 0) throw new KernelError(Errno.EINVAL);
  const target = pidfd.process;
  if (target.dead) throw new KernelError(Errno.ESRCH);
  if (!mayInspect(ctx.process, target)) throw new KernelError(Errno.EPERM);
  return ctx.process.fds.install(target.fds.get(fd), { cloexec: true });
}
