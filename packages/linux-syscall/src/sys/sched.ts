/**
 * Scheduling: nice values (getpriority, setpriority), policies and priorities (sched_*), CPU
 * affinity and I/O priorities (ioprio_*). The sandbox shows the CPUs its guests may run on at once
 * (Kernel.cpus), and what a guest sets is recorded and reported as Linux would, never applied to
 * its host threads: a guest must not get real-time scheduling on the host.
 *
 * @module
 */
import {
  CAP_SYS_ADMIN, CAP_SYS_NICE, allCpus, capable, cpuAffinity, Errno, KernelError, type LinuxProcess, type LinuxThread, type Scheduling,
} from '@rvisor/linux-object';
import type { SyscallContext } from '../context.js';

/** getpriority/setpriority's `which`: a thread (by pid or tid), a process group, a user. */
const PRIO_WHICH = [0, 1, 2] as const; // PRIO_PROCESS, PRIO_PGRP, PRIO_USER

const SCHED_OTHER = 0;
const SCHED_FIFO = 1;
const SCHED_RR = 2;
const SCHED_BATCH = 3;
const SCHED_IDLE = 5;
const SCHED_RESET_ON_FORK = 0x4000_0000;

/** SCHED_RR's time slice, as Linux's default (100 ms). */
const RR_TIMESLICE_NS = 100_000_000;

/** ioprio_get/ioprio_set's `which`, as PRIO_WHICH. */
const IOPRIO_WHICH = [1, 2, 3] as const; // IOPRIO_WHO_PROCESS, IOPRIO_WHO_PGRP, IOPRIO_WHO_USER
const IOPRIO_CLASS_NONE = 0;
const IOPRIO_CLASS_RT = 1;
const IOPRIO_CLASS_BE = 2;
const IOPRIO_CLASS_IDLE = 3;

/** The live threads of the container, for the calls that select many. */
function* liveThreads(ctx: SyscallContext): Generator<LinuxThread> {
  for (const proc of ctx.kernel.processes.values()) {
    if (!proc.dead) yield* proc.threads.values();
  }
}

/** The thread `id` names (0: the caller), as PRIO_PROCESS and sched_* read a pid; ESRCH if none. */
function threadById(ctx: SyscallContext, id: number, negative: Errno = Errno.EINVAL): LinuxThread {
  if (id < 0) throw new KernelError(negative);
  if (id === 0) return ctx.thread;
  for (const proc of ctx.kernel.processes.values()) {
    const t = proc.dead ? undefined : proc.threads.get(id);
    if (t) return t;
  }
  throw new KernelError(Errno.ESRCH);
}

/**
 * The threads a (which, who) pair selects, `kinds` naming which's values for a thread, a process
 * group and a user: EINVAL for another `which`, ESRCH when none is selected.
 */
function prioTargets(ctx: SyscallContext, which: number, who: number, kinds: readonly [number, number, number]): LinuxThread[] {
  let found: LinuxThread[];
  if (which === kinds[0]) {
    found = [threadById(ctx, who)];
  } else if (which === kinds[1]) {
    const pgid = who === 0 ? ctx.process.pgid : who;
    found = [...liveThreads(ctx)].filter((t) => t.process.pgid === pgid);
  } else if (which === kinds[2]) {
    const uid = who === 0 ? ctx.process.cred.uid : who;
    found = [...liveThreads(ctx)].filter((t) => t.process.cred.uid === uid);
  } else {
    throw new KernelError(Errno.EINVAL);
  }
  if (found.length === 0) throw new KernelError(Errno.ESRCH);
  return found;
}

/** Whether the caller may change `target`'s scheduling at all: its own user's, or with CAP_SYS_NICE. */
function checkOwner(caller: LinuxProcess, target: LinuxThread): void {
  const euid = caller.cred.euid;
  if (!capable(caller.cred, CAP_SYS_NICE) && euid !== target.process.cred.uid && euid !== target.process.cred.euid) throw new KernelError(Errno.EPERM);
}

/** Implements Linux syscall getpriority(2): 20 - nice of the selected thread with the lowest nice. */
export function sysGetpriority(ctx: SyscallContext) {
  const targets = prioTargets(ctx, ctx.int(0), ctx.int(1), PRIO_WHICH);
  return 20 - Math.min(...targets.map((t) => t.sched.nice));
}

/** Implements Linux syscall setpriority(2): raising priority (a lower nice) takes CAP_SYS_NICE. */
export function sysSetpriority(ctx: SyscallContext) {
  const targets = prioTargets(ctx, ctx.int(0), ctx.int(1), PRIO_WHICH);
  const nice = Math.min(19, Math.max(-20, ctx.int(2)));
  for (const t of targets) {
    checkOwner(ctx.process, t);
    if (nice < t.sched.nice && !capable(ctx.process.cred, CAP_SYS_NICE)) throw new KernelError(Errno.EACCES);
    t.sched = { ...t.sched, nice };
  }
  return 0;
}

/** The static priority a policy allows: EINVAL for an unknown policy. */
function priorityRange(policy: number): [number, number] {
  switch (policy) {
    case SCHED_FIFO:
    case SCHED_RR:
      return [1, 99];
    case SCHED_OTHER:
    case SCHED_BATCH:
    case SCHED_IDLE:
      return [0, 0];
    default:
      throw new KernelError(Errno.EINVAL);
  }
}

/** Set `policy` (with SCHED_RESET_ON_FORK) and priority from the sched_param at `paramAddr`. */
function setScheduler(ctx: SyscallContext, target: LinuxThread, policyArg: number, paramAddr: number): number {
  if (paramAddr === 0) throw new KernelError(Errno.EINVAL);
  const priority = ctx.mem.readU32(paramAddr) | 0;
  const policy = policyArg & ~SCHED_RESET_ON_FORK;
  const [min, max] = priorityRange(policy);
  if (priority < min || priority > max) throw new KernelError(Errno.EINVAL);
  checkOwner(ctx.process, target);
  const realtime = policy === SCHED_FIFO || policy === SCHED_RR;
  if (realtime && !capable(ctx.process.cred, CAP_SYS_NICE)) throw new KernelError(Errno.EPERM);
  target.sched = { ...target.sched, policy, priority, resetOnFork: (policyArg & SCHED_RESET_ON_FORK) !== 0 };
  return 0;
}

/** Implements Linux syscall sched_setscheduler(2). */
export function sysSchedSetscheduler(ctx: SyscallContext) {
  const target = threadById(ctx, ctx.int(0));
  const policy = ctx.int(1);
  if (policy < 0) throw new KernelError(Errno.EINVAL);
  return setScheduler(ctx, target, policy, ctx.addr(2));
}

/** Implements Linux syscall sched_getscheduler(2). */
export function sysSchedGetscheduler(ctx: SyscallContext) {
  const { policy, resetOnFork } = threadById(ctx, ctx.int(0)).sched;
  return policy | (resetOnFork ? SCHED_RESET_ON_FORK : 0);
}

/** Implements Linux syscall sched_setparam(2): a new priority within the current policy. */
export function sysSchedSetparam(ctx: SyscallContext) {
  const target = threadById(ctx, ctx.int(0));
  const s: Scheduling = target.sched;
  return setScheduler(ctx, target, s.policy | (s.resetOnFork ? SCHED_RESET_ON_FORK : 0), ctx.addr(1));
}

/** Implements Linux syscall sched_getparam(2). */
export function sysSchedGetparam(ctx: SyscallContext) {
  const addr = ctx.addr(1);
  if (addr === 0) throw new KernelError(Errno.EINVAL);
  ctx.mem.writeU32(addr, threadById(ctx, ctx.int(0)).sched.priority);
  return 0;
}

/** struct sched_attr: SCHED_ATTR_SIZE_VER0 (up to sched_period) and the size this kernel knows (VER1, with utilization clamps). */
const SCHED_ATTR_SIZE_VER0 = 48;
const SCHED_ATTR_SIZE = 56;
const SCHED_FLAG_RESET_ON_FORK = 0x01;
const SCHED_FLAG_KEEP_POLICY = 0x08;
const SCHED_FLAG_KEEP_PARAMS = 0x10;
/** Flags Linux takes (RECLAIM and DL_OVERRUN matter to SCHED_DEADLINE only); the utilization clamps need uclamp. */
const SCHED_FLAGS_TAKEN = 0x01 | 0x02 | 0x04 | 0x08 | 0x10;
const SCHED_FLAG_UTIL_CLAMP = 0x20 | 0x40;

/** Implements Linux syscall sched_getattr(2): the thread's policy, flags and nice or priority (no SCHED_DEADLINE, no clamps). */
export function sysSchedGetattr(ctx: SyscallContext) {
  const size = ctx.uint(2);
  if (ctx.uint(3) !== 0 || size < SCHED_ATTR_SIZE_VER0 || size > 4096) throw new KernelError(Errno.EINVAL);
  const { policy, priority, nice, resetOnFork } = threadById(ctx, ctx.int(0)).sched;
  const out = new Uint8Array(Math.min(size, SCHED_ATTR_SIZE));
  const v = new DataView(out.buffer);
  v.setUint32(0, out.length, true);
  v.setUint32(4, policy, true);
  v.setBigUint64(8, resetOnFork ? BigInt(SCHED_FLAG_RESET_ON_FORK) : 0n, true);
  const realtime = policy === SCHED_FIFO || policy === SCHED_RR;
  v.setInt32(16, realtime ? 0 : nice, true);
  v.setUint32(20, realtime ? priority : 0, true);
  ctx.mem.write(ctx.addr(1), out);
  return 0;
}

/** Implements Linux syscall sched_setattr(2), for the policies sched_setscheduler takes (SCHED_DEADLINE: EINVAL). */
export function sysSchedSetattr(ctx: SyscallContext) {
  const target = threadById(ctx, ctx.int(0));
  const addr = ctx.addr(1);
  if (ctx.uint(2) !== 0) throw new KernelError(Errno.EINVAL);
  let size = ctx.mem.readU32(addr);
  if (size === 0) size = SCHED_ATTR_SIZE_VER0;
  const tooBig = size > SCHED_ATTR_SIZE && ctx.mem.read(addr + SCHED_ATTR_SIZE, Math.min(size, 4096) - SCHED_ATTR_SIZE).some((b) => b !== 0);
  if (size < SCHED_ATTR_SIZE_VER0 || tooBig) {
    ctx.mem.writeU32(addr, SCHED_ATTR_SIZE); // the size this kernel knows, as Linux answers
    throw new KernelError(Errno.E2BIG);
  }
  const raw = ctx.mem.read(addr, SCHED_ATTR_SIZE_VER0);
  const v = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const flags = Number(v.getBigUint64(8, true) & 0xffff_ffffn);
  if ((flags & SCHED_FLAG_UTIL_CLAMP) !== 0) throw new KernelError(Errno.EOPNOTSUPP);
  if ((flags & ~SCHED_FLAGS_TAKEN) !== 0 || v.getBigUint64(8, true) > 0xffff_ffffn) throw new KernelError(Errno.EINVAL);
  const current = target.sched;
  const policy = (flags & SCHED_FLAG_KEEP_POLICY) !== 0 ? current.policy : v.getUint32(4, true);
  const keepParams = (flags & SCHED_FLAG_KEEP_PARAMS) !== 0;
  const priority = keepParams ? current.priority : v.getUint32(20, true) | 0;
  const [min, max] = priorityRange(policy);
  if (priority < min || priority > max) throw new KernelError(Errno.EINVAL);
  const realtime = policy === SCHED_FIFO || policy === SCHED_RR;
  // Linux clamps sched_attr's nice into -20..19, as setpriority does.
  const nice = realtime || keepParams ? current.nice : Math.min(19, Math.max(-20, v.getInt32(16, true)));
  checkOwner(ctx.process, target);
  if (!capable(ctx.process.cred, CAP_SYS_NICE) && (realtime || nice < current.nice)) throw new KernelError(Errno.EPERM);
  target.sched = { ...current, policy, priority, nice, resetOnFork: (flags & SCHED_FLAG_RESET_ON_FORK) !== 0 };
  return 0;
}

/** Implements Linux syscall sched_get_priority_max(2). */
export function sysSchedGetPriorityMax(ctx: SyscallContext) {
  return priorityRange(ctx.int(0))[1];
}

/** Implements Linux syscall sched_get_priority_min(2). */
export function sysSchedGetPriorityMin(ctx: SyscallContext) {
  return priorityRange(ctx.int(0))[0];
}

/** Implements Linux syscall sched_rr_get_interval(2): SCHED_RR's 100 ms slice, 0 for the others. */
export function sysSchedRrGetInterval(ctx: SyscallContext) {
  const target = threadById(ctx, ctx.int(0));
  const ns = target.sched.policy === SCHED_RR ? RR_TIMESLICE_NS : 0;
  ctx.mem.writeU64(ctx.addr(1), BigInt(Math.floor(ns / 1e9)));
  ctx.mem.writeU64(ctx.addr(1) + 8, BigInt(ns % 1e9));
  return 0;
}

/** The bytes of a CPU mask as Linux copies it out: whole longs, enough for every CPU shown. */
const maskBytes = (cpus: number) => Math.ceil(cpus / 64) * 8;

/** Implements Linux syscall sched_getaffinity(2): the thread's mask among the CPUs the sandbox shows. */
export function sysSchedGetaffinity(ctx: SyscallContext) {
  const size = ctx.addr(1);
  const cpus = ctx.kernel.cpus;
  const bytes = maskBytes(cpus);
  if (size < bytes || size % 8 !== 0) throw new KernelError(Errno.EINVAL);
  const target = threadById(ctx, ctx.int(0), Errno.ESRCH); // no pid below 0 check here: Linux finds no task
  const affinity = cpuAffinity(target, cpus);
  const mask = new Uint8Array(bytes);
  for (let i = 0; i < bytes; i++) mask[i] = Number((affinity >> BigInt(8 * i)) & 0xffn);
  ctx.mem.write(ctx.addr(2), mask);
  return bytes;
}

/**
 * Implements Linux syscall sched_setaffinity(2): the mask's CPUs among those the sandbox shows
 * (EINVAL for none), recorded for sched_getaffinity and /proc, and inherited; the
 * platform places the guests' host threads itself.
 */
export function sysSchedSetaffinity(ctx: SyscallContext) {
  const cpus = ctx.kernel.cpus;
  const mask = ctx.mem.read(ctx.addr(2), Math.min(ctx.addr(1), Math.ceil(cpus / 8)));
  const target = threadById(ctx, ctx.int(0), Errno.ESRCH);
  checkOwner(ctx.process, target);
  let affinity = 0n;
  for (let i = mask.length - 1; i >= 0; i--) affinity = (affinity << 8n) | BigInt(mask[i]!);
  affinity &= allCpus(cpus);
  if (affinity === 0n) throw new KernelError(Errno.EINVAL);
  target.affinity = affinity;
  return 0;
}

/**
 * Implements Linux syscall getcpu(2): CPU 0 of node 0, as the vDSO's getcpu answers without a
 * trap (it cannot know a thread's mask): guests are not told where their host threads run, which
 * the platform decides.
 */
export function sysGetcpu(ctx: SyscallContext) {
  const cpu = ctx.addr(0);
  const node = ctx.addr(1);
  if (cpu !== 0) ctx.mem.writeU32(cpu, 0);
  if (node !== 0) ctx.mem.writeU32(node, 0);
  return 0;
}

/** Implements Linux syscall ioprio_get(2): the best priority among the selected threads. */
export function sysIoprioGet(ctx: SyscallContext) {
  const targets = prioTargets(ctx, ctx.int(0), ctx.int(1), IOPRIO_WHICH);
  // Linux's ioprio_best: a lower class number is a higher priority (NONE counts as BE), then a lower level.
  const rank = (p: number) => ((p >> 13) === IOPRIO_CLASS_NONE ? IOPRIO_CLASS_BE : p >> 13) * 0x2000 + (p & 0x1fff);
  return targets.map((t) => t.sched.ioprio).reduce((best, p) => (rank(p) < rank(best) ? p : best));
}

/** Implements Linux syscall ioprio_set(2): the real-time class takes CAP_SYS_ADMIN. */
export function sysIoprioSet(ctx: SyscallContext) {
  const which = ctx.int(0);
  if (!(IOPRIO_WHICH as readonly number[]).includes(which)) throw new KernelError(Errno.EINVAL);
  const ioprio = ctx.int(2);
  const cls = (ioprio >> 13) & 0x7;
  const level = ioprio & 0x7;
  switch (cls) {
    case IOPRIO_CLASS_RT:
      if (!capable(ctx.process.cred, CAP_SYS_ADMIN)) throw new KernelError(Errno.EPERM);
      break;
    case IOPRIO_CLASS_BE:
    case IOPRIO_CLASS_IDLE:
      break;
    case IOPRIO_CLASS_NONE:
      if (level !== 0) throw new KernelError(Errno.EINVAL);
      break;
    default:
      throw new KernelError(Errno.EINVAL);
  }
  for (const t of prioTargets(ctx, which, ctx.int(1), IOPRIO_WHICH)) {
    checkOwner(ctx.process, t);
    t.sched = { ...t.sched, ioprio };
  }
  return 0;
}
