export { Kernel, KERNEL_RELEASE } from './kernel.js';
export type { KernelOptions } from './kernel.js';
export { IoCounts, LinuxProcess, LinuxThread, RLIM_INFINITY, DEFAULT_RLIMITS, NO_USAGE, DEFAULT_SCHEDULING, addUsage, cpuAffinity, processLimit } from './process.js';
export type { Scheduling } from './process.js';
export type { CpuTime, Credentials, Faults, RLimit, Usage } from './process.js';
export { UserMemory } from './user-memory.js';
export { hostCounts, hostCpuNs, hostCpuTime, hostMaxRssKb, hostResidentPages, hostRunNs, hostThreadRunNs, TICK_MICROS } from './host-usage.js';
export { execve } from './exec.js';
export {
  ALL_CAPS, CAP_CHOWN, CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH, CAP_FOWNER, CAP_FSETID, CAP_IPC_LOCK, CAP_IPC_OWNER, CAP_KILL,
  CAP_MKNOD, CAP_NAMES, CAP_NET_ADMIN, CAP_NET_BIND_SERVICE, CAP_SETFCAP, CAP_SETGID, CAP_SETPCAP, CAP_SETUID, CAP_SYS_ADMIN, CAP_SYS_CHROOT, CAP_SYS_NICE, CAP_SYS_PTRACE,
  CAP_SYS_RESOURCE, CAP_SYS_TTY_CONFIG, CAP_FS_SET, ROOT_CAPS, afterSetfsuid, afterSetuid, capDifference, execCapabilities, capIntersection, capSet, capUnion,
  capable, hasCap, isSubset,
} from './capabilities.js';
export type { CapabilitySets, ExecCapabilities, FileCapabilities, UidTriple } from './capabilities.js';
export { mayInspect } from './ptrace-access.js';
export {
  Tracing, attach, childCreated, detach, eventStatus, eventStop, exitStop, groupContinued, groupStop, resumeTracee, seccompStop, signalStop,
  syscallStop,
} from './ptrace.js';
export type { PtraceStop } from './ptrace.js';
export { ImageCache, KeptFiles, LoadedImage, IMAGE_CACHE_BYTES, IMAGE_SETTLED_MS } from './image-cache.js';
export type { ImageSource, KeptFile } from './image-cache.js';
export { FileContents, fileSource, keptContents } from './file-contents.js';
export { USER_BASE, USER_END, STACK_TOP, STACK_SIZE, MMAP_BASE, PIE_BASE } from './layout.js';
export { fork, cloneThread } from './fork.js';
export type { ForkOptions, ThreadStart } from './fork.js';
export {
  SIG_DFL, SIG_IGN, SA_NOCLDSTOP, SA_NOCLDWAIT, SA_SIGINFO, SA_RESTORER, SA_ONSTACK, SA_RESTART,
  SA_NODEFER, SA_RESETHAND, ERESTARTSYS, ERESTARTNOINTR, ERESTARTNOHAND, ERESTART_RESTARTBLOCK,
  SI_USER, SI_TKILL, SI_TIMER, SI_KERNEL, CLD_EXITED, CLD_KILLED, CLD_DUMPED, CLD_STOPPED, CLD_CONTINUED, SIGACTION_SIZE, SIGINFO_SIZE, SS_ONSTACK,
  SS_DISABLE, UNBLOCKABLE, DEFAULT_ACTION, decodeSigAction, encodeSigAction, defaultAction, exitCode, sigbit,
  encodeSigInfo, sendSignal, wakeForSignal, takeDeliverable, hasDeliverable, setupFrame, sigreturn,
} from './signals.js';
export type { SigAction, SigInfo, DefaultAction, AltStack } from './signals.js';
export { Futexes, FUTEX_BITSET_ANY, type FutexKey } from './futex.js';
export type { FutexWaitResult } from './futex.js';
export { PosixTimer, type TimerTarget } from './posix-timer.js';
export { IntervalTimer, monotonicTimerClock, type TimerClock } from './interval-timer.js';
export { CPUCLOCK_PROF, CPUCLOCK_SCHED, CPUCLOCK_VIRT, CPU_TICK_NS, cpuClockOf, cpuTimerClock, readCpuClock, type CpuClock } from './cpu-clocks.js';
export { PidFd } from './pidfd.js';
export {
  AUDIT_ARCH_X86_64, BPF_MAXINSNS, SECCOMP_ACTIONS, SECCOMP_MODE_DISABLED, SECCOMP_MODE_FILTER, SECCOMP_MODE_STRICT,
  SECCOMP_RET_ACTION_FULL, SECCOMP_RET_ALLOW, SECCOMP_RET_DATA, SECCOMP_RET_ERRNO, SECCOMP_RET_KILL_PROCESS,
  SECCOMP_RET_KILL_THREAD, SECCOMP_RET_LOG, SECCOMP_RET_TRACE, SECCOMP_RET_TRAP, SECCOMP_RET_USER_NOTIF, STRICT_SYSCALLS,
  compileFilter, hasFilter, runFilters,
} from './seccomp.js';
export type { SeccompFilter, SeccompState } from './seccomp.js';
