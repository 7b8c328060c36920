/**
 * Names of flag bits and enumerated values, as strace prints them. File constants come from
 * linux-object's ABI module; the others (mmap, signals, clone, futex, clocks…) are the x86-64
 * values from Linux's uapi headers, used here only for display.
 */
import {
  AT_EACCESS,
  AT_EMPTY_PATH,
  AT_NO_AUTOMOUNT,
  AT_RECURSIVE,
  AT_REMOVEDIR,
  AT_STATX_DONT_SYNC,
  AT_STATX_FORCE_SYNC,
  AT_SYMLINK_FOLLOW,
  AT_SYMLINK_NOFOLLOW,
  FIOCLEX,
  FIONBIO,
  FIONCLEX,
  FIONREAD,
  F_ADD_SEALS,
  F_DUPFD,
  F_DUPFD_CLOEXEC,
  F_GETFD,
  F_GETFL,
  F_GETLK,
  F_GETOWN,
  F_GETPIPE_SZ,
  F_GET_SEALS,
  F_OFD_GETLK,
  F_OFD_SETLK,
  F_OFD_SETLKW,
  F_SETFD,
  F_SETFL,
  F_SETLK,
  F_SETLKW,
  F_SETOWN,
  F_SETPIPE_SZ,
  O_APPEND,
  O_ASYNC,
  O_CLOEXEC,
  O_CREAT,
  O_DIRECT,
  O_DIRECTORY,
  O_DSYNC,
  O_EXCL,
  O_LARGEFILE,
  O_NOATIME,
  O_NOCTTY,
  O_NOFOLLOW,
  O_NONBLOCK,
  O_PATH,
  O_SYNC,
  O_TMPFILE,
  O_TRUNC,
  R_OK,
  S_IFBLK,
  S_IFCHR,
  S_IFDIR,
  S_IFIFO,
  S_IFLNK,
  S_IFREG,
  S_IFSOCK,
  SEEK_CUR,
  SEEK_DATA,
  SEEK_END,
  SEEK_HOLE,
  SEEK_SET,
  TCGETS,
  TCSETS,
  TCSETSF,
  TCSETSW,
  TIOCGPGRP,
  TIOCGPTN,
  TIOCGWINSZ,
  TIOCSCTTY,
  TIOCSPGRP,
  TIOCSPTLCK,
  TIOCSWINSZ,
  W_OK,
  X_OK,
} from '@rvisor/linux-object';

/** A list of `[name, value]` pairs, in the order strace prints them. */
export type NameTable = readonly (readonly [string, number])[];

function table(values: Record<string, number>): NameTable {
  return Object.entries(values);
}

/** open(2) flags other than the access mode. O_SYNC and O_TMPFILE first: they include other bits. */
export const OPEN_FLAGS = table({
  O_TMPFILE,
  O_SYNC,
  O_CREAT,
  O_EXCL,
  O_NOCTTY,
  O_TRUNC,
  O_APPEND,
  O_NONBLOCK,
  O_DSYNC,
  O_ASYNC,
  O_DIRECT,
  O_LARGEFILE,
  O_DIRECTORY,
  O_NOFOLLOW,
  O_NOATIME,
  O_CLOEXEC,
  O_PATH,
});

export const ACCESS_MODES = ['O_RDONLY', 'O_WRONLY', 'O_RDWR'] as const;

export const AT_FLAGS = table({
  AT_SYMLINK_NOFOLLOW,
  AT_REMOVEDIR,
  AT_SYMLINK_FOLLOW,
  AT_NO_AUTOMOUNT,
  AT_EMPTY_PATH,
  AT_STATX_FORCE_SYNC,
  AT_STATX_DONT_SYNC,
  AT_RECURSIVE,
});

/** faccessat2's flags: AT_EACCESS shares its value with AT_REMOVEDIR. */
export const ACCESS_AT_FLAGS = table({ AT_EACCESS, AT_SYMLINK_NOFOLLOW, AT_EMPTY_PATH });

export const ACCESS_MODE_BITS = table({ R_OK, W_OK, X_OK });

export const SEEK_WHENCE = table({ SEEK_SET, SEEK_CUR, SEEK_END, SEEK_DATA, SEEK_HOLE });

export const FCNTL_COMMANDS = table({
  F_DUPFD,
  F_GETFD,
  F_SETFD,
  F_GETFL,
  F_SETFL,
  F_GETLK,
  F_SETLK,
  F_SETLKW,
  F_SETOWN,
  F_GETOWN,
  F_OFD_GETLK,
  F_OFD_SETLK,
  F_OFD_SETLKW,
  F_DUPFD_CLOEXEC,
  F_SETPIPE_SZ,
  F_GETPIPE_SZ,
  F_ADD_SEALS,
  F_GET_SEALS,
});

export const IOCTL_REQUESTS = table({
  TCGETS,
  TCSETS,
  TCSETSW,
  TCSETSF,
  TIOCSCTTY,
  TIOCGPGRP,
  TIOCSPGRP,
  TIOCGWINSZ,
  TIOCSWINSZ,
  FIONREAD,
  FIONBIO,
  FIONCLEX,
  FIOCLEX,
  TIOCGPTN,
  TIOCSPTLCK,
});

export const PROT_FLAGS: NameTable = [
  ['PROT_READ', 0x1],
  ['PROT_WRITE', 0x2],
  ['PROT_EXEC', 0x4],
  ['PROT_GROWSDOWN', 0x01000000],
  ['PROT_GROWSUP', 0x02000000],
];

/** mmap flags; the mapping type (low 2 bits) is printed first by name. */
export const MAP_TYPES: NameTable = [
  ['MAP_SHARED', 0x1],
  ['MAP_PRIVATE', 0x2],
  ['MAP_SHARED_VALIDATE', 0x3],
];

export const MAP_FLAGS: NameTable = [
  ['MAP_FIXED', 0x10],
  ['MAP_ANONYMOUS', 0x20],
  ['MAP_32BIT', 0x40],
  ['MAP_GROWSDOWN', 0x100],
  ['MAP_DENYWRITE', 0x800],
  ['MAP_EXECUTABLE', 0x1000],
  ['MAP_LOCKED', 0x2000],
  ['MAP_NORESERVE', 0x4000],
  ['MAP_POPULATE', 0x8000],
  ['MAP_NONBLOCK', 0x10000],
  ['MAP_STACK', 0x20000],
  ['MAP_HUGETLB', 0x40000],
  ['MAP_SYNC', 0x80000],
  ['MAP_FIXED_NOREPLACE', 0x100000],
];

export const SIGNALS: readonly string[] = [
  '0',
  'SIGHUP',
  'SIGINT',
  'SIGQUIT',
  'SIGILL',
  'SIGTRAP',
  'SIGABRT',
  'SIGBUS',
  'SIGFPE',
  'SIGKILL',
  'SIGUSR1',
  'SIGSEGV',
  'SIGUSR2',
  'SIGPIPE',
  'SIGALRM',
  'SIGTERM',
  'SIGSTKFLT',
  'SIGCHLD',
  'SIGCONT',
  'SIGSTOP',
  'SIGTSTP',
  'SIGTTIN',
  'SIGTTOU',
  'SIGURG',
  'SIGXCPU',
  'SIGXFSZ',
  'SIGVTALRM',
  'SIGPROF',
  'SIGWINCH',
  'SIGIO',
  'SIGPWR',
  'SIGSYS',
];

/** The first real-time signal number as the kernel counts (glibc reserves 32 and 33). */
export const SIGRTMIN = 32;

export const SIGPROCMASK_HOW = table({ SIG_BLOCK: 0, SIG_UNBLOCK: 1, SIG_SETMASK: 2 });

/** clone(2) flags; the low byte is the exit signal. */
export const CLONE_FLAGS: NameTable = [
  ['CLONE_VM', 0x100],
  ['CLONE_FS', 0x200],
  ['CLONE_FILES', 0x400],
  ['CLONE_SIGHAND', 0x800],
  ['CLONE_PIDFD', 0x1000],
  ['CLONE_PTRACE', 0x2000],
  ['CLONE_VFORK', 0x4000],
  ['CLONE_PARENT', 0x8000],
  ['CLONE_THREAD', 0x10000],
  ['CLONE_NEWNS', 0x20000],
  ['CLONE_SYSVSEM', 0x40000],
  ['CLONE_SETTLS', 0x80000],
  ['CLONE_PARENT_SETTID', 0x100000],
  ['CLONE_CHILD_CLEARTID', 0x200000],
  ['CLONE_DETACHED', 0x400000],
  ['CLONE_UNTRACED', 0x800000],
  ['CLONE_CHILD_SETTID', 0x1000000],
  ['CLONE_NEWCGROUP', 0x2000000],
  ['CLONE_NEWUTS', 0x4000000],
  ['CLONE_NEWIPC', 0x8000000],
  ['CLONE_NEWUSER', 0x10000000],
  ['CLONE_NEWPID', 0x20000000],
  ['CLONE_NEWNET', 0x40000000],
  ['CLONE_IO', 0x80000000],
];

export const WAIT_OPTIONS: NameTable = [
  ['WNOHANG', 0x1],
  ['WUNTRACED', 0x2],
  ['WEXITED', 0x4],
  ['WCONTINUED', 0x8],
  ['WNOWAIT', 0x01000000],
  ['__WNOTHREAD', 0x20000000],
  ['__WALL', 0x40000000],
  ['__WCLONE', 0x80000000],
];

export const FUTEX_OPS: readonly string[] = [
  'FUTEX_WAIT',
  'FUTEX_WAKE',
  'FUTEX_FD',
  'FUTEX_REQUEUE',
  'FUTEX_CMP_REQUEUE',
  'FUTEX_WAKE_OP',
  'FUTEX_LOCK_PI',
  'FUTEX_UNLOCK_PI',
  'FUTEX_TRYLOCK_PI',
  'FUTEX_WAIT_BITSET',
  'FUTEX_WAKE_BITSET',
  'FUTEX_WAIT_REQUEUE_PI',
  'FUTEX_CMP_REQUEUE_PI',
  'FUTEX_LOCK_PI2',
];
export const FUTEX_PRIVATE_FLAG = 128;
export const FUTEX_CLOCK_REALTIME = 256;

export const CLOCK_IDS: readonly string[] = [
  'CLOCK_REALTIME',
  'CLOCK_MONOTONIC',
  'CLOCK_PROCESS_CPUTIME_ID',
  'CLOCK_THREAD_CPUTIME_ID',
  'CLOCK_MONOTONIC_RAW',
  'CLOCK_REALTIME_COARSE',
  'CLOCK_MONOTONIC_COARSE',
  'CLOCK_BOOTTIME',
  'CLOCK_REALTIME_ALARM',
  'CLOCK_BOOTTIME_ALARM',
  '',
  'CLOCK_TAI',
];

export const ARCH_PRCTL_CODES = table({
  ARCH_SET_GS: 0x1001,
  ARCH_SET_FS: 0x1002,
  ARCH_GET_FS: 0x1003,
  ARCH_GET_GS: 0x1004,
  ARCH_GET_CPUID: 0x1011,
  ARCH_SET_CPUID: 0x1012,
});

export const RLIMIT_RESOURCES: readonly string[] = [
  'RLIMIT_CPU',
  'RLIMIT_FSIZE',
  'RLIMIT_DATA',
  'RLIMIT_STACK',
  'RLIMIT_CORE',
  'RLIMIT_RSS',
  'RLIMIT_NPROC',
  'RLIMIT_NOFILE',
  'RLIMIT_MEMLOCK',
  'RLIMIT_AS',
  'RLIMIT_LOCKS',
  'RLIMIT_SIGPENDING',
  'RLIMIT_MSGQUEUE',
  'RLIMIT_NICE',
  'RLIMIT_RTPRIO',
  'RLIMIT_RTTIME',
];

export const GETRANDOM_FLAGS = table({ GRND_NONBLOCK: 1, GRND_RANDOM: 2, GRND_INSECURE: 4 });

/** Flags that accept only O_CLOEXEC / O_NONBLOCK (pipe2, dup3, eventfd2…). */
export const CLOEXEC_NONBLOCK_FLAGS = table({ O_NONBLOCK, O_CLOEXEC });

export const FILE_TYPES = table({ S_IFSOCK, S_IFLNK, S_IFREG, S_IFBLK, S_IFDIR, S_IFCHR, S_IFIFO });
