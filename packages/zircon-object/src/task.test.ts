import { describe, expect, it } from 'vitest';
import { Executor, ManualClock, TIMED_OUT, TimerQueue } from '@rvisor/async-executor';
import { FakePhysicalMemory, FakePlatform } from './fake-platform.js';
import { Signal } from './object.js';
import { PmemAllocator } from './pmem-allocator.js';
import { Rights } from './rights.js';
import { StopKind } from './platform.js';
import { ZxError, ZxStatus } from './status.js';
import { Job, Process, ProcessState, TASK_RETCODE_SYSCALL_KILL, Thread, ThreadState } from './task.js';
import { Vmar } from './vmar.js';
import { Vmo } from './vmo.js';

const newVmar = () => new Vmar({ base: 0x10000, size: 0x1000000, pmemGuestFd: 3 });

describe('Process and Thread', () => {
  it('go through their states and exit when the last thread dies', async () => {
    const job = Job.createRoot();
    const proc = new Process(job, 'init', { vmar: newVmar(), ext: { pid: 1 } });
    expect(proc.ext).toEqual({ pid: 1 });
    const t1 = new Thread(proc, 'main');
    const t2 = new Thread(proc, 'worker');
    expect(proc.state).toBe(ProcessState.Initial);
    proc.start(t1);
    expect(proc.state).toBe(ProcessState.Running);
    expect(t1.state).toBe(ThreadState.Running);
    expect(() => proc.start(t2)).toThrow(ZxError);
    t2.start();
    t2.setBlocked(true);
    expect(t2.state).toBe(ThreadState.Blocked);
    t2.suspend();
    t2.resume();
    expect(t2.state).toBe(ThreadState.Running);
    expect(t2.signals & Signal.THREAD_RUNNING).toBeTruthy();
    expect(() => t2.resume()).toThrow(ZxError);

    const exited = proc.waitExit();
    t1.exit();
    expect(proc.state).toBe(ProcessState.Running);
    t2.kill();
    expect(t2.state).toBe(ThreadState.Dying);
    t2.exit();
    expect(t2.state).toBe(ThreadState.Dead);
    expect(proc.state).toBe(ProcessState.Exited);
    await expect(exited).resolves.toBe(0);
    expect(job.processes()).toEqual([]);
  });

  it('exit kills threads, closes handles and unmaps memory', () => {
    const alloc = new PmemAllocator(new FakePhysicalMemory());
    const job = Job.createRoot();
    const proc = new Process(job, 'p', { vmar: newVmar() });
    const t = new Thread(proc);
    proc.start(t);
    const vmo = Vmo.create(alloc, 8192);
    proc.handles.add(vmo, Rights.DEFAULT_VMO);
    proc.vmar.map({ vmo, len: 8192, prot: 3 });
    vmo.close();
    proc.exit(3);
    expect(proc.retcode).toBe(3);
    expect(t.state).toBe(ThreadState.Dying);
    expect(proc.handles.size).toBe(0);
    expect(proc.vmar.mappings()).toEqual([]);
    proc.vmar.takeHostOps();
    proc.vmar.hostOpsMade();
    expect(alloc.allocatedBytes).toBe(0);
    expect(() => new Thread(proc)).toThrow(ZxError);
    proc.exit(5);
    expect(proc.retcode).toBe(3);
  });

  it('leaves an address space another process shares as it is, and unmaps it with the last', () => {
    const alloc = new PmemAllocator(new FakePhysicalMemory());
    const job = Job.createRoot();
    const vmar = newVmar();
    const first = new Process(job, 'a', { vmar });
    vmar.sharers.add();
    const second = new Process(job, 'b', { vmar });
    const vmo = Vmo.create(alloc, 8192);
    vmar.map({ vmo, len: 8192, prot: 3 });
    vmo.close();
    first.exit(0);
    expect(vmar.sharers.many).toBe(false);
    expect(vmar.mappings()).toHaveLength(1);
    expect(vmar.pendingHostOps).toBe(1); // only the map: the survivor's host mappings stay
    second.exit(0);
    expect(vmar.mappings()).toEqual([]);
    vmar.takeHostOps();
    vmar.hostOpsMade();
    expect(alloc.allocatedBytes).toBe(0);
  });

  it('a killed job kills its processes and children, and refuses new ones', () => {
    const root = Job.createRoot();
    const container = root.createChild('container');
    const nested = container.createChild('nested');
    const p1 = new Process(container, 'a', { vmar: newVmar() });
    const p2 = new Process(nested, 'b', { vmar: newVmar() });
    container.kill();
    expect(p1.state).toBe(ProcessState.Exited);
    expect(p1.retcode).toBe(TASK_RETCODE_SYSCALL_KILL);
    expect(p2.state).toBe(ProcessState.Exited);
    expect(nested.isKilled).toBe(true);
    expect(root.children()).toEqual([]);
    expect(container.signals & Signal.TASK_TERMINATED).toBeTruthy();
    try {
      new Process(container, 'c', { vmar: newVmar() });
      expect.unreachable();
    } catch (e) {
      expect((e as ZxError).status).toBe(ZxStatus.ERR_BAD_STATE);
    }
  });

  it('can be subclassed by the layer above', () => {
    class LinuxProcess extends Process {
      pid = 42;
    }
    const p = new LinuxProcess(Job.createRoot(), 'sh', { vmar: newVmar() });
    expect(p.pid).toBe(42);
    expect(p.typeName).toBe('process');
  });
});

describe('KObject signals', () => {
  it('waitSignals resolves when a bit is asserted, or times out', async () => {
    const clock = new ManualClock();
    const timers = new TimerQueue(clock);
    const job = Job.createRoot();
    const ex = new Executor();
    let got: number | typeof TIMED_OUT | undefined;
    ex.spawn(async () => {
      got = await job.waitSignals(Signal.USER_0, { deadline: 100n, timers });
    });
    await ex.drain();
    expect(got).toBeUndefined();
    job.signalChange(0, Signal.USER_1);
    await ex.drain();
    expect(got).toBeUndefined();
    job.signalChange(0, Signal.USER_0);
    await ex.drain();
    expect(got).toBe(Signal.USER_0 | Signal.USER_1);
    expect(timers.size).toBe(0);

    ex.spawn(async () => {
      got = await job.waitSignals(Signal.USER_2, { deadline: 100n, timers });
    });
    await ex.drain();
    timers.fireDue(100n);
    await ex.drain();
    expect(got).toBe(TIMED_OUT);
  });
});

describe('FakePlatform', () => {
  it('records injections and replays queued events', () => {
    const platform = new FakePlatform();
    const tid = platform.spawn();
    expect(platform.spawn()).toBe(tid + 1);
    expect(platform.inject(tid, platform.regs, [{ nr: 11, args: [0x1000, 4096] }])).toEqual([0n]);
    expect(platform.injected).toEqual([{ tid, calls: [{ nr: 11, args: [0x1000, 4096] }] }]);
    const regs = new BigUint64Array(27);
    regs[15] = 39n;
    platform.queueEvent({ kind: StopKind.Syscall, tid }, regs);
    expect(platform.resumeAndWait(0, null, 0, -1)).toBe(StopKind.Syscall);
    expect(platform.event.tid).toBe(tid);
    expect(platform.regs[15]).toBe(39n);
    expect(platform.resumeAndWait(tid, null, 0, 5)).toBe(StopKind.Wake);
    platform.kill(tid);
    expect(platform.resumeAndWait(0, null, 0, -1)).toBe(StopKind.Exited);
    expect(platform.event.signal).toBe(9);
    expect(platform.pmem.size).toBe(64 * 2 ** 20);
    expect(platform.pmem.chunkSize).toBe(16 * 2 ** 20);
  });
});
