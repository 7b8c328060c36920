/**
 * Process identity and lifetime: execve, exit, exit_group, the id calls, set_tid_address,
 * set_robust_list, arch_prctl, uname, rlimits, prctl.
 *
 * @module
 */
import {
  ARCH_GET_FS, ARCH_GET_GS, ARCH_SET_FS, ARCH_SET_GS, AT_EMPTY_PATH, AT_FDCWD, AT_SYMLINK_NOFOLLOW, Errno,
  KERNEL_RELEASE, KernelError, NGROUPS_MAX, NR_OPEN, PR_GET_DUMPABLE, PR_GET_NAME, PR_GET_PDEATHSIG, PR_SET_DUMPABLE, PR_SET_NAME,
  PR_CAP_AMBIENT, PR_CAPBSET_DROP, PR_CAPBSET_READ, PR_GET_CHILD_SUBREAPER, PR_GET_KEEPCAPS, PR_GET_NO_NEW_PRIVS, PR_GET_SECCOMP, PR_SET_SECCOMP, PR_GET_THP_DISABLE,
  PR_GET_TIMERSLACK, PR_SET_CHILD_SUBREAPER, PR_SET_KEEPCAPS, PR_SET_NO_NEW_PRIVS, PR_SET_THP_DISABLE, PR_SET_TIMERSLACK,
  PR_SET_PDEATHSIG, RLIM_NLIMITS, CAP_SETGID, CAP_SETUID, CAP_SYS_ADMIN, CAP_SYS_RESOURCE, afterSetfsuid, afterSetuid, capable, RLIMIT_NOFILE, USER_END,
  execve as loadProgram, processLimit, type Credentials, type LinuxProcess, type RLimit,
} from '@rvisor/linux-object';
import { Reg, bytesToString, stringBytesInto } from '@rvisor/zircon-object';
import type { SyscallContext } from '../context.js';
import { capabilityPrctl } from './capabilities.js';
import { prctlSetSeccomp } from './seccomp.js';


/** execve's common part: the other threads end first (asynchronously if some are running). */
function exec(ctx: SyscallContext, path: string, argvAddr: number, envpAddr: number) {
  const argv = ctx.mem.readStringArray(argvAddr);
  const envp = ctx.mem.readStringArray(envpAddr);
  const load = () => {
    loadProgram(ctx.kernel, ctx.thread, ctx.regs, path, argv, envp);
    return 0;
  };
  if (ctx.process.threads.size === 1) return load();
  return ctx.kernel.endOtherThreads(ctx.thread).then(load);
}

/** Implements Linux syscall execve(2). */
export function sysExecve(ctx: SyscallContext) {
  return exec(ctx, ctx.path(0), ctx.addr(1), ctx.addr(2));
}

/** Implements Linux syscall execveat(2): a path relative to a directory fd, or the fd itself with AT_EMPTY_PATH. */
export function sysExecveat(ctx: SyscallContext) {
  const dirfd = ctx.int(0);
  const flags = ctx.int(4);
  if (flags & ~(AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW)) throw new KernelError(Errno.EINVAL);
  let path = ctx.mem.readString(ctx.addr(1), 4096);
  if (path === '') {
    if (!(flags & AT_EMPTY_PATH)) throw new KernelError(Errno.ENOENT);
    const where = ctx.process.fds.get(dirfd).location;
    if (!where) throw new KernelError(Errno.ENOENT);
    path = where.path;
  } else if (!path.startsWith('/') && dirfd !== AT_FDCWD) {
    const where = ctx.process.fds.get(dirfd).location;
    if (!where) throw new KernelError(Errno.ENOTDIR);
    path = `${where.path.replace(/\/$/, '')}/${path}`;
  }
  if (flags & AT_SYMLINK_NOFOLLOW) {
    const st = ctx.process.fs.vfs.stat(ctx.process.fs.cwd, path, false, ctx.process.fs.root);
    if ((st.mode & 0o170000) === 0o120000) throw new KernelError(Errno.ELOOP);
  }
  return exec(ctx, path, ctx.addr(2), ctx.addr(3));
}

/**
 * Implements Linux syscall exit(2): the host thread really ends and its exit is then reported.
 * Only the last thread's exit gives the process its status.
 */
export function sysExit(ctx: SyscallContext) {
  if (ctx.process.threads.size === 1) ctx.process.exit ??= { code: ctx.int(0) & 0xff, signal: 0 };
  ctx.passthrough = true;
  return 0;
}

/** Implements Linux syscall exit_group(2). */
export function sysExitGroup(ctx: SyscallContext) {
  ctx.process.exit ??= { code: ctx.int(0) & 0xff, signal: 0 };
  ctx.passthrough = true;
  return 0;
}

/** Implements Linux syscall getpid(2). */
export const sysGetpid = (ctx: SyscallContext) => ctx.process.pid;
/** Implements Linux syscall getppid(2). */
export const sysGetppid = (ctx: SyscallContext) => ctx.process.ppid;
/** Implements Linux syscall gettid(2). */
export const sysGettid = (ctx: SyscallContext) => ctx.thread.tid;
/** Implements Linux syscall getuid(2). */
export const sysGetuid = (ctx: SyscallContext) => ctx.process.cred.uid;
/** Implements Linux syscall geteuid(2). */
export const sysGeteuid = (ctx: SyscallContext) => ctx.process.cred.euid;
/** Implements Linux syscall getgid(2). */
export const sysGetgid = (ctx: SyscallContext) => ctx.process.cred.gid;
/** Implements Linux syscall getegid(2). */
export const sysGetegid = (ctx: SyscallContext) => ctx.process.cred.egid;
/** Implements Linux syscall getpgrp(2). */
export const sysGetpgrp = (ctx: SyscallContext) => ctx.process.pgid;
/** The live process `pid` names (0: the caller); ESRCH if none. */
function processOf(ctx: SyscallContext, pid: number): LinuxProcess {
  if (pid < 0) throw new KernelError(Errno.ESRCH);
  if (pid === 0) return ctx.process;
  const p = ctx.kernel.processes.get(pid);
  if (!p || p.dead) throw new KernelError(Errno.ESRCH);
  return p;
}

/** Implements Linux syscall getsid(2). */
export function sysGetsid(ctx: SyscallContext) {
  return processOf(ctx, ctx.int(0)).sid;
}

/** Implements Linux syscall getpgid(2). */
export function sysGetpgid(ctx: SyscallContext) {
  return processOf(ctx, ctx.int(0)).pgid;
}

/** Implements Linux syscall setpgid(2): the caller or one of its children, within its session. */
export function sysSetpgid(ctx: SyscallContext) {
  const pgid = ctx.int(1);
  if (pgid < 0) throw new KernelError(Errno.EINVAL);
  const target = processOf(ctx, ctx.int(0));
  if (target !== ctx.process && target.parent !== ctx.process) throw new KernelError(Errno.ESRCH);
  if (target.sid !== ctx.process.sid) throw new KernelError(Errno.EPERM);
  if (target.sid === target.pid) throw new KernelError(Errno.EPERM); // a session leader keeps its group
  const group = pgid === 0 ? target.pid : pgid;
  if (group !== target.pid) {
    const inSession = [...ctx.kernel.processes.values()].some((p) => !p.dead && p.pgid === group && p.sid === ctx.process.sid);
    if (!inSession) throw new KernelError(Errno.EPERM);
  }
  target.pgid = group;
  return 0;
}

/** Implements Linux syscall setsid(2). */
export function sysSetsid(ctx: SyscallContext) {
  const proc = ctx.process;
  const leads = [...ctx.kernel.processes.values()].some((p) => !p.dead && p.pgid === proc.pid);
  if (leads) throw new KernelError(Errno.EPERM);
  proc.sid = proc.pgid = proc.pid;
  return proc.pid;
}

/** -1 as uid_t: "leave unchanged" in the set*id calls. */
const KEEP = 0xffff_ffff;

/** The capability that lets set*uid or set*gid take any id. */
function idCapability(which: 'uid' | 'gid'): number {
  return which === 'uid' ? CAP_SETUID : CAP_SETGID;
}

/**
 * The set*uid/set*gid rules: a caller with CAP_SETUID (CAP_SETGID) may set any id; others only ids
 * they already hold as real, effective or saved. KEEP leaves an id as it is. A change of uids
 * changes the capability sets as Linux's (`afterSetuid`).
 */
function setIds(ctx: SyscallContext, which: 'uid' | 'gid', real: number, effective: number, saved: number): number {
  const cred = ctx.process.cred;
  const held = which === 'uid' ? [cred.uid, cred.euid, cred.suid] : [cred.gid, cred.egid, cred.sgid];
  const privileged = capable(cred, idCapability(which));
  for (const id of [real, effective, saved]) {
    if (id !== KEEP && !privileged && !held.includes(id)) throw new KernelError(Errno.EPERM);
  }
  const set = (cur: number, id: number) => (id === KEEP ? cur : id);
  const [euid, egid] = [cred.euid, cred.egid];
  if (which === 'uid') {
    const old = { uid: cred.uid, euid: cred.euid, suid: cred.suid };
    [cred.uid, cred.euid, cred.suid] = [set(cred.uid, real), set(cred.euid, effective), set(cred.suid, saved)];
    afterSetuid(cred, old, cred, ctx.process.keepCaps);
  } else {
    [cred.gid, cred.egid, cred.sgid] = [set(cred.gid, real), set(cred.egid, effective), set(cred.sgid, saved)];
  }
  // The file system id follows the effective one of the kind that changed.
  const [fsuid, fsgid] = [cred.fsuid, cred.fsgid];
  if (which === 'uid') cred.fsuid = cred.euid;
  else cred.fsgid = cred.egid;
  if (cred.euid !== euid || cred.egid !== egid || cred.fsuid !== fsuid || cred.fsgid !== fsgid) ctx.process.effectiveIdsChanged();
  return 0;
}

/** Implements Linux syscall setuid(2): all three ids with CAP_SETUID, else the effective one. */
export function sysSetuid(ctx: SyscallContext) {
  return setAll(ctx, 'uid', ctx.uint(0));
}
/** Implements Linux syscall setgid(2). */
export function sysSetgid(ctx: SyscallContext) {
  return setAll(ctx, 'gid', ctx.uint(0));
}

function setAll(ctx: SyscallContext, which: 'uid' | 'gid', id: number): number {
  return capable(ctx.process.cred, idCapability(which)) ? setIds(ctx, which, id, id, id) : setIds(ctx, which, KEEP, id, KEEP);
}

/** setreuid/setregid: a new real id, or an effective one differing from the old real, also sets the saved id. */
function setReIds(ctx: SyscallContext, which: 'uid' | 'gid'): number {
  const real = ctx.uint(0);
  const effective = ctx.uint(1);
  const oldReal = which === 'uid' ? ctx.process.cred.uid : ctx.process.cred.gid;
  const newEffective = effective === KEEP ? (which === 'uid' ? ctx.process.cred.euid : ctx.process.cred.egid) : effective;
  const saved = real !== KEEP || (effective !== KEEP && effective !== oldReal) ? newEffective : KEEP;
  return setIds(ctx, which, real, effective, saved);
}
/** Implements Linux syscall setreuid(2). */
export const sysSetreuid = (ctx: SyscallContext) => setReIds(ctx, 'uid');
/** Implements Linux syscall setregid(2). */
export const sysSetregid = (ctx: SyscallContext) => setReIds(ctx, 'gid');
/** Implements Linux syscall setresuid(2). */
export const sysSetresuid = (ctx: SyscallContext) => setIds(ctx, 'uid', ctx.uint(0), ctx.uint(1), ctx.uint(2));
/** Implements Linux syscall setresgid(2). */
export const sysSetresgid = (ctx: SyscallContext) => setIds(ctx, 'gid', ctx.uint(0), ctx.uint(1), ctx.uint(2));

/**
 * setfsuid/setfsgid: the file system id becomes `id` when the caller holds it as real, effective,
 * saved or file system id, or has CAP_SETUID (CAP_SETGID); the answer is always the old one, so -1
 * (no id) only reads it.
 */
function setFsId(ctx: SyscallContext, which: 'uid' | 'gid'): number {
  const cred = ctx.process.cred;
  const id = ctx.uint(0);
  const old = which === 'uid' ? cred.fsuid : cred.fsgid;
  if (id === KEEP || id === old) return old;
  const held = which === 'uid'
    ? id === cred.uid || id === cred.euid || id === cred.suid
    : id === cred.gid || id === cred.egid || id === cred.sgid;
  if (!held && !capable(cred, idCapability(which))) return old;
  if (which === 'uid') {
    cred.fsuid = id;
    afterSetfsuid(cred, old, id);
  } else {
    cred.fsgid = id;
  }
  ctx.process.effectiveIdsChanged();
  return old;
}
/** Implements Linux syscall setfsuid(2). */
export const sysSetfsuid = (ctx: SyscallContext) => setFsId(ctx, 'uid');
/** Implements Linux syscall setfsgid(2). */
export const sysSetfsgid = (ctx: SyscallContext) => setFsId(ctx, 'gid');

function getResIds(ctx: SyscallContext, ids: [number, number, number]): number {
  ids.forEach((id, i) => ctx.mem.writeU32(ctx.addr(i), id));
  return 0;
}
/** Implements Linux syscall getresuid(2). */
export const sysGetresuid = (ctx: SyscallContext) => getResIds(ctx, [ctx.process.cred.uid, ctx.process.cred.euid, ctx.process.cred.suid]);
/** Implements Linux syscall getresgid(2). */
export const sysGetresgid = (ctx: SyscallContext) => getResIds(ctx, [ctx.process.cred.gid, ctx.process.cred.egid, ctx.process.cred.sgid]);

/** Implements Linux syscall setgroups(2). */
export function sysSetgroups(ctx: SyscallContext) {
  const n = ctx.int(0);
  if (n < 0 || n > NGROUPS_MAX) throw new KernelError(Errno.EINVAL);
  if (!capable(ctx.process.cred, CAP_SETGID)) throw new KernelError(Errno.EPERM);
  const raw = ctx.mem.read(ctx.addr(1), n * 4);
  const v = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  ctx.process.cred.groups = Array.from({ length: n }, (_, i) => v.getUint32(i * 4, true));
  return 0;
}

/** Implements Linux syscall getgroups(2). */
export function sysGetgroups(ctx: SyscallContext) {
  const size = ctx.int(0);
  const groups = ctx.process.cred.groups;
  if (size < 0) throw new KernelError(Errno.EINVAL);
  if (size === 0) return groups.length;
  if (size < groups.length) throw new KernelError(Errno.EINVAL);
  const buf = new Uint8Array(groups.length * 4);
  const v = new DataView(buf.buffer);
  groups.forEach((g, i) => v.setUint32(i * 4, g, true));
  ctx.mem.write(ctx.addr(1), buf);
  return groups.length;
}

/** Implements Linux syscall set_tid_address(2). */
export function sysSetTidAddress(ctx: SyscallContext) {
  ctx.thread.clearChildTid = ctx.addr(0);
  return ctx.thread.tid;
}

/** Implements Linux syscall set_robust_list(2). */
export function sysSetRobustList(ctx: SyscallContext) {
  if (ctx.addr(1) !== 24) throw new KernelError(Errno.EINVAL);
  ctx.thread.robustList = ctx.addr(0);
  return 0;
}

/** Implements Linux syscall get_robust_list(2): the list head a thread (0: the caller) set. */
export function sysGetRobustList(ctx: SyscallContext) {
  const tid = ctx.int(0);
  let thread = ctx.thread;
  if (tid !== 0) {
    const owner = ctx.kernel.processOfThread(tid);
    if (!owner) throw new KernelError(Errno.ESRCH);
    thread = owner.threads.get(tid)!;
  }
  ctx.mem.writeU64(ctx.addr(1), BigInt(thread.robustList));
  ctx.mem.writeU64(ctx.addr(2), 24n);
  return 0;
}

/** Implements Linux syscall personality(2): 0xffffffff asks; anything else is kept (and inherited), and the old one returned. */
export function sysPersonality(ctx: SyscallContext) {
  const persona = ctx.uint(0);
  const old = ctx.process.personality;
  if (persona !== 0xffff_ffff) ctx.process.personality = persona;
  return old;
}

/** Implements Linux syscall arch_prctl(2). */
export function sysArchPrctl(ctx: SyscallContext) {
  const code = ctx.int(0);
  const addr = ctx.arg(1);
  switch (code) {
    case ARCH_SET_FS:
    case ARCH_SET_GS:
      if (addr >= BigInt(USER_END)) throw new KernelError(Errno.EPERM);
      ctx.regs[code === ARCH_SET_FS ? Reg.fs_base : Reg.gs_base] = addr;
      return 0;
    case ARCH_GET_FS:
    case ARCH_GET_GS:
      ctx.mem.writeU64(Number(addr), ctx.regs[code === ARCH_GET_FS ? Reg.fs_base : Reg.gs_base]);
      return 0;
    default:
      throw new KernelError(Errno.EINVAL);
  }
}

function utsField(s: string): Uint8Array {
  const out = new Uint8Array(65);
  stringBytesInto(s, out.subarray(0, 64));
  return out;
}


/**
 * A new name for the container's UTS namespace (sethostname, setdomainname): CAP_SYS_ADMIN, then
 * at most 64 bytes (EINVAL), read from the guest (EFAULT).
 */
function utsName(ctx: SyscallContext): string {
  if (!capable(ctx.process.cred, CAP_SYS_ADMIN)) throw new KernelError(Errno.EPERM);
  const len = ctx.int(1);
  if (len < 0 || len > 64) throw new KernelError(Errno.EINVAL);
  return bytesToString(ctx.mem.read(ctx.addr(0), len));
}

/** Implements Linux syscall sethostname(2): the container's hostname, never the host's. */
export function sysSethostname(ctx: SyscallContext) {
  ctx.kernel.hostname = utsName(ctx);
  return 0;
}

/** Implements Linux syscall setdomainname(2): the container's NIS domain name. */
export function sysSetdomainname(ctx: SyscallContext) {
  ctx.kernel.domainname = utsName(ctx);
  return 0;
}

/** Implements Linux syscall uname(2). */
export function sysUname(ctx: SyscallContext) {
  const fields = ['Linux', ctx.kernel.hostname, KERNEL_RELEASE, '#1 SMP PREEMPT_DYNAMIC rVisor-ts', 'x86_64', ctx.kernel.domainname];
  const buf = new Uint8Array(65 * 6);
  fields.forEach((f, i) => buf.set(utsField(f), i * 65));
  ctx.mem.write(ctx.addr(0), buf);
  return 0;
}

/**
 * Implements Linux syscall prlimit64(2): another process's limits too, for a caller whose real ids
 * are all of its ids, or with CAP_SYS_RESOURCE (EPERM).
 */
export function sysPrlimit64(ctx: SyscallContext) {
  const newAddr = ctx.addr(2);
  const next = newAddr === 0 ? undefined : readRlimit(ctx, newAddr);
  const pid = ctx.int(0);
  const proc = pid === 0 ? ctx.process : ctx.kernel.processOfThread(pid);
  if (proc === undefined || pid < 0) throw new KernelError(Errno.ESRCH);
  if (proc !== ctx.process && !mayLimit(ctx.process.cred, proc.cred)) throw new KernelError(Errno.EPERM);
  return prlimit(ctx, proc, ctx.int(1), next, ctx.addr(3));
}

/** Implements Linux syscall setrlimit(2) (glibc calls prlimit64; older programs and Go's runtime this). */
export function sysSetrlimit(ctx: SyscallContext) {
  const res = ctx.int(0);
  if (res < 0 || res >= RLIM_NLIMITS) throw new KernelError(Errno.EINVAL);
  return prlimit(ctx, ctx.process, res, readRlimit(ctx, ctx.addr(1)), 0);
}

/** Implements Linux syscall getrlimit(2). */
export function sysGetrlimit(ctx: SyscallContext) {
  return prlimit(ctx, ctx.process, ctx.int(0), undefined, ctx.addr(1));
}

/** Linux's check_prlimit_permission: the caller's uid and gid are each of the target's, or CAP_SYS_RESOURCE. */
function mayLimit(caller: Credentials, target: Credentials): boolean {
  const ids = caller.uid === target.uid && caller.uid === target.euid && caller.uid === target.suid
    && caller.gid === target.gid && caller.gid === target.egid && caller.gid === target.sgid;
  return ids || capable(caller, CAP_SYS_RESOURCE);
}

function readRlimit(ctx: SyscallContext, addr: number): RLimit {
  return { cur: ctx.mem.readU64(addr), max: ctx.mem.readU64(addr + 8) };
}

/**
 * Linux's do_prlimit: `proc`'s limit `res` set to `next` (EINVAL if its soft limit is above its
 * hard one), the old one written at `oldAddr` (unless 0). Raising a hard limit needs
 * CAP_SYS_RESOURCE on Linux; here it is refused whatever the capabilities, so the limits the
 * runtime set hold (docs/processes.md, "Capabilities").
 */
function prlimit(ctx: SyscallContext, proc: LinuxProcess, res: number, next: RLimit | undefined, oldAddr: number): number {
  if (res < 0 || res >= RLIM_NLIMITS) throw new KernelError(Errno.EINVAL);
  const old = processLimit(proc, res);
  if (next !== undefined) {
    if (next.cur > next.max) throw new KernelError(Errno.EINVAL);
    if (next.max > old.max) throw new KernelError(Errno.EPERM);
  }
  if (oldAddr !== 0) {
    ctx.mem.writeU64(oldAddr, old.cur);
    ctx.mem.writeU64(oldAddr + 8, old.max);
  }
  if (next !== undefined) {
    if (res === RLIMIT_NOFILE) proc.fds.setLimit(Math.min(Number(next.cur), NR_OPEN));
    proc.rlimits.set(res, next);
  }
  return 0;
}

/** Implements Linux syscall prctl(2) (names, death signal, dumpable; others EINVAL). */
export function sysPrctl(ctx: SyscallContext) {
  const opt = ctx.int(0);
  switch (opt) {
    case PR_SET_NAME: {
      const name = ctx.mem.read(ctx.addr(1), 16);
      const end = name.indexOf(0);
      ctx.thread.zx.name = bytesToString(name.subarray(0, end < 0 ? 15 : Math.min(end, 15)));
      return 0;
    }
    case PR_GET_NAME: {
      const out = new Uint8Array(16);
      stringBytesInto(ctx.thread.zx.name, out.subarray(0, 15));
      ctx.mem.write(ctx.addr(1), out);
      return 0;
    }
    case PR_SET_PDEATHSIG: {
      const sig = ctx.int(1);
      if (sig < 0 || sig > 64) throw new KernelError(Errno.EINVAL);
      ctx.process.parentDeathSignal = sig;
      return 0;
    }
    case PR_GET_PDEATHSIG:
      ctx.mem.writeU32(ctx.addr(1), ctx.process.parentDeathSignal);
      return 0;
    case PR_GET_DUMPABLE:
      return ctx.process.dumpable;
    case PR_SET_DUMPABLE:
      ctx.process.dumpable = flag(ctx.arg(1));
      return 0;
    case PR_GET_KEEPCAPS:
      return ctx.process.keepCaps ? 1 : 0;
    case PR_SET_KEEPCAPS:
      ctx.process.keepCaps = flag(ctx.arg(1)) === 1;
      return 0;
    case PR_SET_NO_NEW_PRIVS:
      // Only setting it, with nothing else: it cannot be cleared.
      if (ctx.arg(1) !== 1n || ctx.arg(2) !== 0n || ctx.arg(3) !== 0n || ctx.arg(4) !== 0n) throw new KernelError(Errno.EINVAL);
      ctx.process.noNewPrivs = true;
      return 0;
    case PR_GET_NO_NEW_PRIVS:
      if (ctx.arg(1) !== 0n || ctx.arg(2) !== 0n || ctx.arg(3) !== 0n || ctx.arg(4) !== 0n) throw new KernelError(Errno.EINVAL);
      return ctx.process.noNewPrivs ? 1 : 0;
    case PR_SET_CHILD_SUBREAPER:
      ctx.process.childSubreaper = ctx.arg(1) !== 0n;
      return 0;
    case PR_GET_CHILD_SUBREAPER:
      ctx.mem.writeU32(ctx.addr(1), ctx.process.childSubreaper ? 1 : 0);
      return 0;
    case PR_GET_TIMERSLACK:
      return ctx.process.timerSlack;
    case PR_SET_TIMERSLACK: {
      const ns = ctx.arg(1);
      // 0 means "back to the default"; the slack is never applied here (timers fire when due).
      ctx.process.timerSlack = ns === 0n ? 50_000 : Number(ns > 0xffff_ffffn ? 0xffff_ffffn : ns);
      return 0;
    }
    case PR_GET_THP_DISABLE:
      return ctx.process.thpDisable ? 1 : 0;
    case PR_SET_THP_DISABLE:
      ctx.process.thpDisable = ctx.arg(1) !== 0n;
      return 0;
    case PR_GET_SECCOMP:
      return ctx.thread.seccomp?.mode ?? 0; // the guest's own filters (the sandbox's are not its business)
    case PR_SET_SECCOMP:
      return prctlSetSeccomp(ctx, ctx.arg(1), ctx.addr(2));
    case PR_CAPBSET_READ:
    case PR_CAPBSET_DROP:
    case PR_CAP_AMBIENT:
      return capabilityPrctl(ctx, opt);
    default:
      throw new KernelError(Errno.EINVAL);
  }
}

/** prctl's 0-or-1 argument (EINVAL for anything else). */
function flag(arg: bigint): number {
  if (arg !== 0n && arg !== 1n) throw new KernelError(Errno.EINVAL);
  return Number(arg);
}
