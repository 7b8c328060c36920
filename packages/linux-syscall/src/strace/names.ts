/**
 * Names of flag bits and enumerated values, as strace prints them. Values the kernel uses come
 * from linux-object's ABI module; the others (clone, wait, futex…) are the x86-64 values from
 * Linux's uapi headers, used here only for display until their syscalls are implemented.
 */
import {
  ARCH_GET_CPUID,
  ARCH_GET_FS,
  ARCH_GET_GS,
  ARCH_SET_CPUID,
  ARCH_SET_FS,
  ARCH_SET_GS,
  AT_EACCESS,
  AT_EMPTY_PATH,
  AT_NO_AUTOMOUNT,
  AT_RECURSIVE,
  AT_REMOVEDIR,
  AT_STATX_DONT_SYNC,
  AT_STATX_FORCE_SYNC,
  AT_SYMLINK_FOLLOW,
  AT_SYMLINK_NOFOLLOW,
  CLOCK_BOOTTIME,
  CLOCK_BOOTTIME_ALARM,
  CLOCK_MONOTONIC,
  CLOCK_MONOTONIC_COARSE,
  CLOCK_MONOTONIC_RAW,
  CLOCK_PROCESS_CPUTIME_ID,
  CLOCK_REALTIME,
  CLOCK_REALTIME_ALARM,
  CLOCK_REALTIME_COARSE,
  CLOCK_TAI,
  CLOCK_THREAD_CPUTIME_ID,
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
  GRND_INSECURE,
  GRND_NONBLOCK,
  GRND_RANDOM,
  MAP_32BIT,
  MAP_ANONYMOUS,
  MAP_DENYWRITE,
  MAP_EXECUTABLE,
  MAP_FIXED,
  MAP_FIXED_NOREPLACE,
  MAP_GROWSDOWN,
  MAP_HUGETLB,
  MAP_LOCKED,
  MAP_NONBLOCK,
  MAP_NORESERVE,
  MAP_POPULATE,
  MAP_PRIVATE,
  MAP_SHARED,
  MAP_SHARED_VALIDATE,
  MAP_STACK,
  MAP_SYNC,
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
  PROT_EXEC,
  PROT_GROWSDOWN,
  PROT_GROWSUP,
  PROT_READ,
  PROT_WRITE,
  RLIMIT_NAMES,
  R_OK,
  SIG_BLOCK,
  SIG_SETMASK,
  SIG_UNBLOCK,
  Signo,
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

export const PROT_FLAGS = table({ PROT_READ, PROT_WRITE, PROT_EXEC, PROT_GROWSDOWN, PROT_GROWSUP });

/** mmap flags; the mapping type (low 2 bits) is printed first by name. */
export const MAP_TYPES = table({ MAP_SHARED, MAP_PRIVATE, MAP_SHARED_VALIDATE });

export const MAP_FLAGS = table({
  MAP_FIXED,
  MAP_ANONYMOUS,
  MAP_32BIT,
  MAP_GROWSDOWN,
  MAP_DENYWRITE,
  MAP_EXECUTABLE,
  MAP_LOCKED,
  MAP_NORESERVE,
  MAP_POPULATE,
  MAP_NONBLOCK,
  MAP_STACK,
  MAP_HUGETLB,
  MAP_SYNC,
  MAP_FIXED_NOREPLACE,
});

/** Signal names indexed by number (0 has none). */
export const SIGNALS: readonly string[] = ['0', ...Object.keys(Signo)];

/** The first real-time signal number as the kernel counts (glibc reserves 32 and 33). */
export const SIGRTMIN = 32;

export const SIGPROCMASK_HOW = table({ SIG_BLOCK, SIG_UNBLOCK, SIG_SETMASK });

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

const CLOCKS = {
  CLOCK_REALTIME,
  CLOCK_MONOTONIC,
  CLOCK_PROCESS_CPUTIME_ID,
  CLOCK_THREAD_CPUTIME_ID,
  CLOCK_MONOTONIC_RAW,
  CLOCK_REALTIME_COARSE,
  CLOCK_MONOTONIC_COARSE,
  CLOCK_BOOTTIME,
  CLOCK_REALTIME_ALARM,
  CLOCK_BOOTTIME_ALARM,
  CLOCK_TAI,
};

/** Clock names indexed by id ('' where Linux has none). */
export const CLOCK_IDS: readonly string[] = Object.entries(CLOCKS).reduce<string[]>((names, [name, id]) => {
  while (names.length < id) names.push('');
  names[id] = name;
  return names;
}, []);

export const ARCH_PRCTL_CODES = table({
  ARCH_SET_GS,
  ARCH_SET_FS,
  ARCH_GET_FS,
  ARCH_GET_GS,
  ARCH_GET_CPUID,
  ARCH_SET_CPUID,
});

export const RLIMIT_RESOURCES: readonly string[] = RLIMIT_NAMES;

export const GETRANDOM_FLAGS = table({ GRND_NONBLOCK, GRND_RANDOM, GRND_INSECURE });

/** Flags that accept only O_CLOEXEC / O_NONBLOCK (pipe2, dup3, eventfd2…). */
export const CLOEXEC_NONBLOCK_FLAGS = table({ O_NONBLOCK, O_CLOEXEC });

export const FILE_TYPES = table({ S_IFSOCK, S_IFLNK, S_IFREG, S_IFBLK, S_IFDIR, S_IFCHR, S_IFIFO });
