/**
 * fork: a new process whose memory is a copy of the caller's. The caller's host process runs a
 * native clone (injected in place of its fork), which gives a host process already under the trap
 * and stopped; the kernel copies the VMAR (private mappings eagerly, shared ones shared) and, when
 * the child first stops, maps the copies over what the host cloned, before the child runs.
 *
 * @module
 */
import { Process, Reg, Thread, type Registers } from '@rvisor/zircon-object';
import { Signo } from '../abi/signal.js';
import { Errno, KernelError } from '../errno.js';
import type { Kernel } from './kernel.js';
import { LinuxProcess, LinuxThread } from './process.js';

const SYS_CLONE = 56;

/**
 * Fork the process of `thread`, stopped in a syscall with registers `regs`. Returns the child's
 * only thread, which the kernel starts at its first stop (see {@link Kernel.startForkedThread}).
 */
export function fork(kernel: Kernel, thread: LinuxThread, regs: Registers): LinuxThread {
  const parent = thread.process;
  const vmar = kernel.newVmar();
  parent.vmar.fork(vmar); // the snapshot, taken while the parent is stopped
  const [res] = kernel.platform.inject(thread.hostTid, regs, [{ nr: SYS_CLONE, args: [Signo.SIGCHLD, 0, 0, 0, 0, 0] }]);
  if (res < 0n) {
    vmar.unmapAll();
    vmar.takeHostOps();
    throw new KernelError(Number(-res) as Errno, 'host clone failed');
  }
  const zxProcess = new Process(kernel.rootJob, parent.zx.name, { vmar });
  const child = new LinuxProcess(zxProcess, kernel.allocatePid(), parent, parent.fds.fork(), parent.fs.fork(), {
    ...parent.cred,
    groups: [...parent.cred.groups],
  });
  child.brkStart = parent.brkStart;
  child.brk = parent.brk;
  child.argv = parent.argv;
  child.envp = parent.envp;
  child.exe = parent.exe;
  child.pgid = parent.pgid;
  child.sid = parent.sid;
  for (const [sig, act] of parent.sigactions) child.sigactions.set(sig, act);
  for (const [res, lim] of parent.rlimits) child.rlimits.set(res, { ...lim });
  parent.children.add(child);
  kernel.processes.set(child.pid, child);
  const childThread = new LinuxThread(new Thread(zxProcess, thread.zx.name), child.pid, Number(res), child);
  childThread.signalMask = thread.signalMask;
  childThread.altStack = thread.altStack && { ...thread.altStack };
  // The child returns 0 from fork with the parent's registers otherwise.
  childThread.savedRegs.set(regs);
  childThread.savedRegs[Reg.rax] = 0n;
  childThread.savedRegs[Reg.orig_rax] = 0xffff_ffff_ffff_ffffn;
  kernel.threadsByHostTid.set(childThread.hostTid, childThread);
  kernel.unstartedThreads.add(childThread);
  return childThread;
}
