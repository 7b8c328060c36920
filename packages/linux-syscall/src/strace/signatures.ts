import type { SyscallName } from '../generated/numbers.js';
import {
  argvIn,
  bufIn,
  bufOut,
  cloneFlags,
  createsFile,
  dirfd,
  envpIn,
  fd,
  fdPairOut,
  flags,
  futexOp,
  hex,
  int,
  iovecIn,
  iovecOut,
  long,
  mmapFlags,
  mode,
  oneOf,
  openFlags,
  prot,
  ptr,
  signal,
  statOut,
  statxOut,
  str,
  strOut,
  timespecIn,
  timespecOut,
  uint,
  ulong,
  utsnameOut,
  wstatusOut,
  type ArgFormatter,
} from './args.js';
import {
  ACCESS_AT_FLAGS,
  ACCESS_MODE_BITS,
  ARCH_PRCTL_CODES,
  AT_FLAGS,
  CLOCK_IDS,
  CLOEXEC_NONBLOCK_FLAGS,
  FCNTL_COMMANDS,
  GETRANDOM_FLAGS,
  IOCTL_REQUESTS,
  RLIMIT_RESOURCES,
  SEEK_WHENCE,
  SIGPROCMASK_HOW,
  WAIT_OPTIONS,
} from './names.js';
import type { SyscallArgs } from '../table/types.js';

/** How strace shows one syscall. */
export interface Signature {
  readonly args: readonly ArgFormatter[];
  /** How many of `args` to show when it depends on the call (open's mode only with O_CREAT). */
  readonly argCount?: (args: SyscallArgs) => number;
  /** `hex` for calls that return addresses; `none` for calls that do not return. */
  readonly ret?: 'dec' | 'hex' | 'none';
}

const sig = (...args: ArgFormatter[]): Signature => ({ args });
const none: Signature = { args: [] };
const atFlags = flags(AT_FLAGS);
const accessMode = flags(ACCESS_MODE_BITS, 'F_OK');
const cloexecFlags = flags(CLOEXEC_NONBLOCK_FLAGS);
const request = oneOfHex(IOCTL_REQUESTS);

function oneOfHex(names: readonly (readonly [string, number])[]): ArgFormatter {
  return (v, call) => {
    const n = Number(BigInt.asUintN(32, v));
    const found = names.find(([, value]) => value === n);
    return found ? found[0] : hex(v, call);
  };
}

/** The mode argument of open-like calls counts only when the flags may create a file. */
function withMode(flagsIndex: number, count: number): (args: SyscallArgs) => number {
  return (args) => (createsFile(args[flagsIndex]!) ? count : count - 1);
}

/** The syscalls strace decodes; the others show their six registers in hex. */
export const SIGNATURES: Partial<Record<SyscallName, Signature>> = {
  read: sig(fd, bufOut, ulong),
  write: sig(fd, bufIn(2), ulong),
  open: { args: [str, openFlags, mode], argCount: withMode(1, 3) },
  openat: { args: [dirfd, str, openFlags, mode], argCount: withMode(2, 4) },
  creat: sig(str, mode),
  close: sig(fd),
  stat: sig(str, statOut),
  lstat: sig(str, statOut),
  fstat: sig(fd, statOut),
  newfstatat: sig(dirfd, str, statOut, atFlags),
  statx: sig(dirfd, str, atFlags, hex, statxOut),
  lseek: sig(fd, long, oneOf(SEEK_WHENCE)),
  mmap: { args: [ptr, ulong, prot, mmapFlags, fd, hex], ret: 'hex' },
  mprotect: sig(ptr, ulong, prot),
  munmap: sig(ptr, ulong),
  brk: { args: [ptr], ret: 'hex' },
  ioctl: sig(fd, request, hex),
  pread64: sig(fd, bufOut, ulong, long),
  pwrite64: sig(fd, bufIn(2), ulong, long),
  readv: sig(fd, iovecOut(2), int),
  writev: sig(fd, iovecIn(2), int),
  access: sig(str, accessMode),
  faccessat: sig(dirfd, str, accessMode),
  faccessat2: sig(dirfd, str, accessMode, flags(ACCESS_AT_FLAGS)),
  pipe: sig(fdPairOut),
  pipe2: sig(fdPairOut, cloexecFlags),
  dup: sig(fd),
  dup2: sig(fd, fd),
  dup3: sig(fd, fd, cloexecFlags),
  getpid: none,
  getppid: none,
  gettid: none,
  getuid: none,
  geteuid: none,
  getgid: none,
  getegid: none,
  getpgrp: none,
  setsid: none,
  sched_yield: none,
  getpgid: sig(int),
  setpgid: sig(int, int),
  clone: sig(cloneFlags, ptr, ptr, ptr, hex),
  clone3: sig(ptr, ulong),
  fork: none,
  vfork: none,
  execve: sig(str, argvIn, envpIn),
  execveat: sig(dirfd, str, argvIn, envpIn, atFlags),
  exit: { args: [int], ret: 'none' },
  exit_group: { args: [int], ret: 'none' },
  wait4: sig(int, wstatusOut, flags(WAIT_OPTIONS), ptr),
  kill: sig(int, signal),
  tkill: sig(int, signal),
  tgkill: sig(int, int, signal),
  uname: sig(utsnameOut),
  fcntl: sig(fd, oneOf(FCNTL_COMMANDS), hex),
  getdents64: sig(fd, ptr, uint),
  getcwd: sig(strOut, ulong),
  chdir: sig(str),
  fchdir: sig(fd),
  mkdir: sig(str, mode),
  mkdirat: sig(dirfd, str, mode),
  rmdir: sig(str),
  unlink: sig(str),
  unlinkat: sig(dirfd, str, atFlags),
  rename: sig(str, str),
  renameat: sig(dirfd, str, dirfd, str),
  renameat2: sig(dirfd, str, dirfd, str, hex),
  symlink: sig(str, str),
  symlinkat: sig(str, dirfd, str),
  link: sig(str, str),
  linkat: sig(dirfd, str, dirfd, str, atFlags),
  chmod: sig(str, mode),
  fchmod: sig(fd, mode),
  fchmodat: sig(dirfd, str, mode),
  umask: sig(mode),
  readlink: sig(str, bufOut, ulong),
  readlinkat: sig(dirfd, str, bufOut, ulong),
  arch_prctl: sig(oneOf(ARCH_PRCTL_CODES), hex),
  set_tid_address: sig(ptr),
  set_robust_list: sig(ptr, ulong),
  clock_gettime: sig(oneOf(CLOCK_IDS), timespecOut),
  clock_getres: sig(oneOf(CLOCK_IDS), timespecOut),
  nanosleep: sig(timespecIn, ptr),
  clock_nanosleep: sig(oneOf(CLOCK_IDS), int, timespecIn, ptr),
  getrandom: sig(bufOut, ulong, flags(GETRANDOM_FLAGS)),
  rt_sigaction: sig(signal, ptr, ptr, ulong),
  rt_sigprocmask: sig(oneOf(SIGPROCMASK_HOW), ptr, ptr, ulong),
  rt_sigreturn: none,
  prlimit64: sig(int, oneOf(RLIMIT_RESOURCES), ptr, ptr),
  getrlimit: sig(oneOf(RLIMIT_RESOURCES), ptr),
  setrlimit: sig(oneOf(RLIMIT_RESOURCES), ptr),
  futex: sig(ptr, futexOp, int, ptr, ptr, int),
  poll: sig(ptr, uint, int),
  ppoll: sig(ptr, uint, timespecIn, ptr, ulong),
  sysinfo: sig(ptr),
  sync: none,
  fsync: sig(fd),
  ftruncate: sig(fd, long),
  truncate: sig(str, long),
  chown: sig(str, int, int),
  fchown: sig(fd, int, int),
  fchownat: sig(dirfd, str, int, int, atFlags),
  sethostname: sig(str, ulong),
  getpriority: sig(int, int),
  madvise: sig(ptr, ulong, int),
  mremap: { args: [ptr, ulong, ulong, hex, ptr], ret: 'hex' },
};
