/**
 * The syscall table: every number the kernel answers, with its support level. A number missing
 * here answers ENOSYS (logged once per name) and never reaches the host (invariant 1). This table
 * also generates docs/compatibility.md.
 *
 * @module
 */
import { Errno } from '@rvisor/linux-object';
import type { SyscallContext } from './context.js';
import * as file from './sys/file.js';
import * as forks from './sys/fork.js';
import * as futex from './sys/futex.js';
import * as io from './sys/io.js';
import * as membarrier from './sys/membarrier.js';
import * as misc from './sys/misc.js';
import * as mm from './sys/mm.js';
import * as pipe from './sys/pipe.js';
import * as pidfd from './sys/pidfd.js';
import * as proc from './sys/process.js';
import * as caps from './sys/capabilities.js';
import * as sched from './sys/sched.js';
import * as shm from './sys/shm.js';
import * as sem from './sys/sem.js';
import * as msg from './sys/msg.js';
import * as inotify from './sys/inotify.js';
import * as ptimer from './sys/posix-timer.js';
import * as hints from './sys/file-hints.js';
import * as signal from './sys/signal.js';
import * as time from './sys/time.js';
import * as restart from './sys/restart.js';
import * as seccomp from './sys/seccomp.js';
import * as mqueue from './sys/mqueue.js';
import * as kcmp from './sys/kcmp.js';
import * as ptrace from './sys/ptrace.js';
import * as processVm from './sys/process-vm.js';
import { buildTable, partial, stub, supported } from './table/index.js';
import { eventsSyscalls } from './families/events.js';
import { fsWriteSyscalls } from './families/fs-write.js';
import { mountsSyscalls } from './families/mounts.js';
import { terminalsSyscalls } from './families/terminals.js';
import { fdSyscalls } from './families/fd.js';
import { xattrSyscalls } from './families/xattr.js';

const INOTIFY = 'changes made in the sandbox are reported, not the host\'s own; opens and closes of files opened while a watch existed';
const LOCKED = 'memory is never swapped here, so locking only checks the range and, for non-root callers, RLIMIT_MEMLOCK per call (locked ranges are not tallied)';
const RECORDED = 'recorded and reported, never applied to the host threads; lowering nice and real-time policies take root';
const HOST_ONLY = 'host-only: a container may not do this (EPERM as for an unprivileged caller)';

/** The kernel's syscall table. */
export const syscallTable = buildTable<SyscallContext>({
  read: supported(io.sysRead),
  write: supported(io.sysWrite),
  readv: supported(io.sysReadv),
  writev: supported(io.sysWritev),
  pread64: supported(io.sysPread64),
  pwrite64: supported(io.sysPwrite64),
  lseek: supported(io.sysLseek),
  sendfile: partial(io.sysSendfile, 'through a kernel buffer'),
  copy_file_range: partial(io.sysCopyFileRange, 'through a kernel buffer'),
  open: supported(file.sysOpen),
  openat: supported(file.sysOpenat),
  openat2: supported(file.sysOpenat2),
  creat: supported(file.sysCreat),
  close: supported(file.sysClose),
  stat: supported(file.sysStat),
  lstat: supported(file.sysLstat),
  fstat: supported(file.sysFstat),
  newfstatat: supported(file.sysNewfstatat),
  statx: supported(file.sysStatx),
  getdents64: supported(file.sysGetdents64),
  getdents: supported(file.sysGetdents),
  readlink: supported(file.sysReadlink),
  readlinkat: supported(file.sysReadlinkat),
  access: supported(file.sysAccess),
  faccessat: supported(file.sysFaccessat),
  faccessat2: supported(file.sysFaccessat2),
  getcwd: supported(file.sysGetcwd),
  chdir: supported(file.sysChdir),
  fchdir: supported(file.sysFchdir),
  chroot: supported(file.sysChroot),
  fcntl: partial(file.sysFcntl, 'fd and status flags; record locks come with read-write files'),
  dup: supported(file.sysDup),
  dup2: supported(file.sysDup2),
  dup3: supported(file.sysDup3),
  umask: supported(file.sysUmask),

  brk: supported(mm.sysBrk),
  mmap: partial(mm.sysMmap, 'a shared file mapping is the file\'s own pages, written back to a host file on msync, fsync and the last munmap; one made over a read-only fd of a host file no one maps writable is a snapshot, as private file mappings are (later writes to the file are not seen)'),
  munmap: supported(mm.sysMunmap),
  mprotect: supported(mm.sysMprotect),
  mremap: partial(mm.sysMremap, 'within one mapping; a grown private mapping is a copy, a grown shared one the same memory; MREMAP_DONTUNMAP answers EINVAL'),
  mseal: supported(mm.sysMseal),
  msync: supported(mm.sysMsync),
  mlock: partial(mm.sysMlock, LOCKED),
  mlock2: partial(mm.sysMlock2, LOCKED),
  munlock: supported(mm.sysMunlock),
  mlockall: partial(mm.sysMlockall, LOCKED),
  munlockall: supported(() => 0),
  shmget: supported(shm.sysShmget),
  shmat: supported(shm.sysShmat),
  shmdt: supported(shm.sysShmdt),
  shmctl: partial(shm.sysShmctl, 'SHM_LOCK and SHM_UNLOCK only set the mode bit: nothing is ever swapped'),
  semget: supported(sem.sysSemget),
  semop: supported(sem.sysSemop),
  semtimedop: supported(sem.sysSemtimedop),
  semctl: supported(sem.sysSemctl),
  inotify_init: partial(inotify.sysInotifyInit, INOTIFY),
  inotify_init1: partial(inotify.sysInotifyInit1, INOTIFY),
  inotify_add_watch: partial(inotify.sysInotifyAddWatch, INOTIFY),
  inotify_rm_watch: supported(inotify.sysInotifyRmWatch),
  mq_open: partial(mqueue.sysMqOpen, 'no /dev/mqueue file system'),
  mq_unlink: supported(mqueue.sysMqUnlink),
  mq_timedsend: supported(mqueue.sysMqTimedsend),
  mq_timedreceive: supported(mqueue.sysMqTimedreceive),
  mq_notify: supported(mqueue.sysMqNotify),
  mq_getsetattr: supported(mqueue.sysMqGetsetattr),
  msgget: supported(msg.sysMsgget),
  msgsnd: supported(msg.sysMsgsnd),
  msgrcv: supported(msg.sysMsgrcv),
  msgctl: supported(msg.sysMsgctl),
  fadvise64: supported(hints.sysFadvise64),
  readahead: supported(hints.sysReadahead),
  sync_file_range: supported(hints.sysSyncFileRange),
  mincore: partial(mm.sysMincore, 'every mapped page is reported resident'),
  madvise: partial(mm.sysMadvise, 'MADV_DONTNEED discards private memory (a file mapping reads its file again); other advice is accepted and ignored'),

  execve: supported(proc.sysExecve),
  execveat: partial(proc.sysExecveat, 'the path of an fd is resolved again by name (a file renamed since it was opened is not found)'),
  fork: supported(forks.sysFork),
  vfork: supported(forks.sysVfork),
  clone: partial(forks.sysClone, 'processes, vfork children (CLONE_VM with CLONE_VFORK), and threads sharing everything (pthread_create); other partial sharing answers ENOSYS'),
  clone3: partial(forks.sysClone3, 'as clone, with CLONE_PIDFD; set_tid answers EINVAL, CLONE_INTO_CGROUP ENOSYS'),
  futex: partial(futex.sysFutex, 'WAIT, WAKE, REQUEUE, CMP_REQUEUE, WAIT_BITSET, WAKE_BITSET; PI and WAKE_OP answer ENOSYS'),
  wait4: partial(forks.sysWait4, 'rusage holds CPU times, ru_maxrss, page faults and voluntary context switches; the I/O counters and ru_nivcsw read 0'),
  waitid: supported(forks.sysWaitid),
  pipe: supported(pipe.sysPipe),
  pipe2: supported(pipe.sysPipe2),
  exit: supported(proc.sysExit),
  exit_group: supported(proc.sysExitGroup),
  getpid: supported(proc.sysGetpid),
  getppid: supported(proc.sysGetppid),
  gettid: supported(proc.sysGettid),
  getuid: supported(proc.sysGetuid),
  geteuid: supported(proc.sysGeteuid),
  getgid: supported(proc.sysGetgid),
  getegid: supported(proc.sysGetegid),
  getgroups: supported(proc.sysGetgroups),
  getpgrp: supported(proc.sysGetpgrp),
  getpgid: supported(proc.sysGetpgid),
  setpgid: supported(proc.sysSetpgid),
  getsid: supported(proc.sysGetsid),
  setsid: supported(proc.sysSetsid),
  setuid: supported(proc.sysSetuid),
  setgid: supported(proc.sysSetgid),
  setreuid: supported(proc.sysSetreuid),
  setregid: supported(proc.sysSetregid),
  setresuid: supported(proc.sysSetresuid),
  setresgid: supported(proc.sysSetresgid),
  getresuid: supported(proc.sysGetresuid),
  getresgid: supported(proc.sysGetresgid),
  setfsuid: supported(proc.sysSetfsuid),
  setfsgid: supported(proc.sysSetfsgid),
  setgroups: supported(proc.sysSetgroups),
  set_tid_address: supported(proc.sysSetTidAddress),
  set_robust_list: supported(proc.sysSetRobustList),
  arch_prctl: supported(proc.sysArchPrctl),
  uname: supported(proc.sysUname),
  prlimit64: partial(proc.sysPrlimit64, 'a hard limit is never raised, whatever the capabilities (the runtime\'s limits hold)'),
  getrlimit: supported(proc.sysGetrlimit),
  setrlimit: partial(proc.sysSetrlimit, 'as prlimit64'),
  prctl: partial(proc.sysPrctl, 'names, death signal, dumpable, keepcaps, no_new_privs, child subreaper, timer slack (kept, not applied), THP disable (kept), PR_SET_SECCOMP and PR_GET_SECCOMP (seccomp below), PR_CAPBSET_READ, PR_CAPBSET_DROP, PR_CAP_AMBIENT; others EINVAL'),
  seccomp: partial(seccomp.sysSeccomp, 'strict mode and filters, TSYNC; no listener fds (SECCOMP_FILTER_FLAG_NEW_LISTENER is EINVAL), and no tracer: SECCOMP_RET_USER_NOTIF and SECCOMP_RET_TRACE answer ENOSYS, as Linux does without either'),
  capget: supported(caps.sysCapget),
  capset: partial(caps.sysCapset, 'sets of the whole process (as its ids are), not of one thread'),
  sched_getaffinity: partial(sched.sysSchedGetaffinity, 'the thread\'s mask among the CPUs the sandbox shows (those its guests may run on at once)'),
  sched_setaffinity: partial(sched.sysSchedSetaffinity, 'kept, reported and inherited, not applied: the platform places the guests\' host threads'),
  getcpu: partial(sched.sysGetcpu, 'CPU 0 of node 0, as the vDSO answers, whatever the thread\'s mask'),
  sched_yield: supported(() => 0),
  getpriority: supported(sched.sysGetpriority),
  setpriority: partial(sched.sysSetpriority, RECORDED),
  sched_setscheduler: partial(sched.sysSchedSetscheduler, RECORDED),
  sched_getscheduler: supported(sched.sysSchedGetscheduler),
  sched_setparam: partial(sched.sysSchedSetparam, RECORDED),
  sched_getparam: supported(sched.sysSchedGetparam),
  sched_get_priority_max: supported(sched.sysSchedGetPriorityMax),
  sched_get_priority_min: supported(sched.sysSchedGetPriorityMin),
  sched_getattr: partial(sched.sysSchedGetattr, 'no SCHED_DEADLINE parameters, no utilization clamps; sched_runtime reads 0'),
  sched_setattr: partial(sched.sysSchedSetattr, `${RECORDED}; SCHED_DEADLINE answers EINVAL, utilization clamps EOPNOTSUPP`),
  sched_rr_get_interval: partial(sched.sysSchedRrGetInterval, 'SCHED_RR\'s 100 ms, 0 for the other policies'),
  ioprio_get: supported(sched.sysIoprioGet),
  ioprio_set: partial(sched.sysIoprioSet, RECORDED),
  get_robust_list: supported(proc.sysGetRobustList),
  personality: partial(proc.sysPersonality, 'kept, inherited and reported; no persona or flag changes how programs run'),
  rseq: stub(-Errno.ENOSYS, 'libc falls back when rseq is unavailable'),
  membarrier: partial(membarrier.sysMembarrier, 'the host\'s own, made by the calling thread; MEMBARRIER_CMD_PRIVATE_EXPEDITED_RSEQ fails as rseq is not registered'),

  rt_sigaction: supported(signal.sysRtSigaction),
  rt_sigprocmask: supported(signal.sysRtSigprocmask),
  rt_sigpending: supported(signal.sysRtSigpending),
  rt_sigsuspend: supported(signal.sysRtSigsuspend),
  pause: supported(signal.sysPause),
  rt_sigtimedwait: supported(signal.sysRtSigtimedwait),
  rt_sigqueueinfo: supported(signal.sysRtSigqueueinfo),
  rt_tgsigqueueinfo: supported(signal.sysRtTgsigqueueinfo),
  restart_syscall: supported(restart.sysRestartSyscall),
  rt_sigreturn: partial(signal.sysRtSigreturn, 'FPU state through fxsave (SSE); AVX upper halves are not saved'),
  sigaltstack: supported(signal.sysSigaltstack),
  kill: supported(signal.sysKill),
  tkill: supported(signal.sysTkill),
  tgkill: supported(signal.sysTgkill),
  pidfd_open: partial(pidfd.sysPidfdOpen, 'PIDFD_NONBLOCK; PIDFD_THREAD answers EINVAL'),
  pidfd_send_signal: supported(pidfd.sysPidfdSendSignal),
  pidfd_getfd: supported(pidfd.sysPidfdGetfd),
  kcmp: partial(kcmp.sysKcmp, 'every type; no task has an I/O context, so KCMP_IO answers 0 (as Linux for two without one), and a vfork child before its execve has an address space of its own'),

  clock_gettime: supported(time.sysClockGettime),
  clock_getres: supported(time.sysClockGetres),
  timer_create: supported(ptimer.sysTimerCreate),
  timer_settime: supported(ptimer.sysTimerSettime),
  timer_gettime: supported(ptimer.sysTimerGettime),
  timer_getoverrun: supported(ptimer.sysTimerGetoverrun),
  timer_delete: supported(ptimer.sysTimerDelete),
  gettimeofday: supported(time.sysGettimeofday),
  time: supported(time.sysTime),
  nanosleep: supported(time.sysNanosleep),
  clock_nanosleep: supported(time.sysClockNanosleep),

  alarm: supported(time.sysAlarm),
  setitimer: supported(time.sysSetitimer),
  getitimer: supported(time.sysGetitimer),
  times: supported(time.sysTimes),
  getrusage: partial(time.sysGetrusage, 'CPU times (the process\'s, a thread\'s, waited-for children\'s), ru_maxrss, page faults and voluntary context switches (each syscall that waited); the I/O counters and ru_nivcsw read 0'),

  getrandom: supported(misc.sysGetrandom),
  sysinfo: partial(misc.sysSysinfo, 'the container\'s memory and processes; load averages are the host\'s'),

  reboot: stub(-Errno.EPERM, HOST_ONLY),
  kexec_load: stub(-Errno.EPERM, HOST_ONLY),
  kexec_file_load: stub(-Errno.EPERM, HOST_ONLY),
  init_module: stub(-Errno.EPERM, HOST_ONLY),
  finit_module: stub(-Errno.EPERM, HOST_ONLY),
  delete_module: stub(-Errno.EPERM, HOST_ONLY),
  ptrace: partial(ptrace.sysPtrace, 'tracees within the container (strace, gdb, LeakSanitizer): signal, group, syscall and event stops, registers, memory, single steps; no hardware watchpoints (DR7 stays 0), PTRACE_PEEKSIGINFO or PTRACE_SYSEMU'),
  process_vm_readv: supported(processVm.sysProcessVmReadv),
  process_vm_writev: supported(processVm.sysProcessVmWritev),
  mount: stub(-Errno.EPERM, 'host mounts are never reachable; tmpfs and proc inside: next milestone'),
  umount2: stub(-Errno.EPERM, 'see mount'),
  pivot_root: stub(-Errno.EPERM, HOST_ONLY),
  swapon: stub(-Errno.EPERM, HOST_ONLY),
  swapoff: stub(-Errno.EPERM, HOST_ONLY),
  unshare: stub(-Errno.EPERM, 'namespaces are the kernel\'s own virtualization'),
  setns: stub(-Errno.EPERM, 'namespaces are the kernel\'s own virtualization'),
  bpf: stub(-Errno.EPERM, HOST_ONLY),
  perf_event_open: stub(-Errno.EPERM, HOST_ONLY),
  keyctl: stub(-Errno.EPERM, 'no kernel keyrings'),
  add_key: stub(-Errno.EPERM, 'no kernel keyrings'),
  request_key: stub(-Errno.EPERM, 'no kernel keyrings'),
  iopl: stub(-Errno.EPERM, HOST_ONLY),
  ioperm: stub(-Errno.EPERM, HOST_ONLY),
  acct: stub(-Errno.EPERM, HOST_ONLY),
  settimeofday: stub(-Errno.EPERM, HOST_ONLY),
  clock_settime: stub(-Errno.EPERM, HOST_ONLY),
  adjtimex: stub(-Errno.EPERM, HOST_ONLY),
  sethostname: supported(proc.sysSethostname),
  setdomainname: supported(proc.sysSetdomainname),
  syslog: stub(-Errno.EPERM, HOST_ONLY),
  quotactl: stub(-Errno.EPERM, HOST_ONLY),
  vhangup: stub(-Errno.EPERM, HOST_ONLY),
  ...fsWriteSyscalls,
  ...mountsSyscalls,
  ...eventsSyscalls,
  ...terminalsSyscalls,
  ...fdSyscalls,
  ...xattrSyscalls,
});
