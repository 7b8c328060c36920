import { spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, release, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createTrapPlatform } from './index.js';

const RIP = 16;
const RSP = 19;
const RAX = 10;
const ORIG_RAX = 15;
const NO_SYSCALL = 0xffff_ffff_ffff_ffffn;

// mov ecx, 3; loop: mov eax, 110 (getppid); push rcx; syscall; pop rcx; dec ecx; jnz loop; mov eax, 60; syscall
const GETPPID_THRICE = [0xb9, 3, 0, 0, 0, 0xb8, 110, 0, 0, 0, 0x51, 0x0f, 0x05, 0x59, 0xff, 0xc9, 0x75, 0xf3, 0xb8, 60, 0, 0, 0, 0x0f, 0x05];

// One platform per process: the thread that creates it is the tracer.
const platform = createTrapPlatform({ pmemSize: 2 ** 32, chunkSize: 2 ** 30 });

/** Resume `tid` and wait for its next stop, letting libuv run when the wait ends with a Wake. */
async function next(tid: number, regs: BigUint64Array | null): Promise<number> {
  let kind = platform.resumeAndWait(tid, regs, 0, -1);
  while (kind === 5) {
    await new Promise((resolve) => setImmediate(resolve));
    kind = platform.resumeAndWait(0, null, 0, -1);
  }
  return kind;
}

describe('TrapPlatform', () => {
  it('runs a guest whose every syscall stops for the kernel, answered in one call each', async () => {
    platform.pmem.chunk(0).set(GETPPID_THRICE, 0);
    const tid = platform.spawn();
    const results = platform.inject(tid, platform.regs, [
      { nr: 9, args: [0x400000, 4096, 5, 0x11, platform.pmemGuestFd, 0] }, // code, R+X
      { nr: 9, args: [0x600000, 8192, 3, 0x11, platform.pmemGuestFd, 4096] }, // stack, R+W
    ]);
    expect(results).toEqual([0x400000n, 0x600000n]);
    const regs = platform.regs;
    regs[RIP] = 0x400000n;
    regs[RSP] = 0x602000n;
    let kind = await next(tid, regs);
    const seen: bigint[] = [];
    while (kind === 1) {
      seen.push(regs[ORIG_RAX]);
      if (regs[ORIG_RAX] === 110n) {
        regs[ORIG_RAX] = NO_SYSCALL;
        regs[RAX] = 42n;
        kind = await next(tid, regs);
      } else {
        kind = await next(tid, null); // exit: the host ends the process
      }
    }
    expect(seen).toEqual([110n, 110n, 110n, 60n]);
    expect(kind).toBe(3);
    expect(platform.event.tid).toBe(tid);
    expect(platform.event.status).toBe(0);
  });

  // mov eax, 110 (getppid); syscall; mov edi, eax; [neg edi;] mov eax, 60 (exit); syscall
  const EXIT_WITH_GETPPID = [0xb8, 110, 0, 0, 0, 0x0f, 0x05, 0x89, 0xc7, 0xb8, 60, 0, 0, 0, 0x0f, 0x05];
  const EXIT_WITH_MINUS_GETPPID = [0xb8, 110, 0, 0, 0, 0x0f, 0x05, 0x89, 0xc7, 0xf7, 0xdf, 0xb8, 60, 0, 0, 0, 0x0f, 0x05];

  async function startAt(code: number[]): Promise<number> {
    platform.pmem.chunk(0).set(code, 0);
    const tid = platform.spawn();
    platform.inject(tid, platform.regs, [{ nr: 9, args: [0x400000, 4096, 5, 0x11, platform.pmemGuestFd, 0] }]);
    platform.regs[RIP] = 0x400000n;
    return tid;
  }

  it('answers a notified syscall from its number and arguments; fetching stops the thread just after it returns', async () => {
    const tid = await startAt(EXIT_WITH_GETPPID);
    const regs = platform.regs;
    expect(await next(tid, regs)).toBe(1);
    expect(regs[ORIG_RAX]).toBe(110n);
    // getppid came through a seccomp notification: its registers are not read until asked for.
    expect(platform.fetchRegisters(tid, 42n)).toBe(1);
    expect(regs[RAX]).toBe(42n); // returned, and stopped right after the syscall instruction
    expect(regs[RIP]).toBe(0x400007n);
    regs[ORIG_RAX] = NO_SYSCALL;
    expect(await next(tid, regs)).toBe(1);
    expect(regs[ORIG_RAX]).toBe(60n); // exit is traced: the registers are whole
    expect(platform.fetchRegisters(tid, 0n)).toBe(0);
    expect(await next(tid, null)).toBe(3);
    expect(platform.event.status).toBe(42);
  });

  it('never lets the host run a notified syscall: resuming without a result answers ENOSYS', async () => {
    const tid = await startAt(EXIT_WITH_MINUS_GETPPID);
    expect(await next(tid, platform.regs)).toBe(1);
    expect(platform.regs[ORIG_RAX]).toBe(110n);
    expect(await next(tid, null)).toBe(1); // the host's getppid would have returned a pid
    expect(await next(tid, null)).toBe(3);
    expect(platform.event.status).toBe(38);
  });

  it('reports a guest fault as a signal stop with the faulting address', async () => {
    // mov rax, [0x1234]  (unmapped)
    platform.pmem.chunk(0).set([0x48, 0x8b, 0x04, 0x25, 0x34, 0x12, 0, 0], 0);
    const tid = platform.spawn();
    platform.inject(tid, platform.regs, [{ nr: 9, args: [0x400000, 4096, 5, 0x11, platform.pmemGuestFd, 0] }]);
    platform.regs[RIP] = 0x400000n;
    const kind = await next(tid, platform.regs);
    expect(kind).toBe(2);
    expect(platform.event.signal).toBe(11);
    expect(platform.event.faultAddr).toBe(0x1234n);
    platform.kill(tid);
    expect(await next(0, null)).toBe(3);
    expect(platform.event.signal).toBe(9);
  });

  it('injects a batch at a signal stop, each result in its place, and the guest goes on from its own registers', async () => {
    // mov rax, [0x500000] (unmapped until the injection); mov edi, eax; mov eax, 60 (exit); syscall
    const code = [0x48, 0x8b, 0x04, 0x25, 0, 0, 0x50, 0, 0x89, 0xc7, 0xb8, 60, 0, 0, 0, 0x0f, 0x05];
    const tid = await startAt(code);
    platform.pmem.chunk(0).set([7], 8192);
    const regs = platform.regs;
    expect(await next(tid, regs)).toBe(2);
    expect(platform.event.faultAddr).toBe(0x500000n);
    const results = platform.inject(tid, regs, [
      { nr: 9, args: [0x500000, 4096, 3, 0x11, platform.pmemGuestFd, 8192] },
      { nr: 11, args: [0x500001, 4096, 0, 0, 0, 0] }, // unaligned: EINVAL
      { nr: 10, args: [0x500000, 4096, 1, 0, 0, 0] },
    ]);
    expect(results).toEqual([0x500000n, -22n, 0n]);
    expect(await next(tid, regs)).toBe(1); // the load ran again, now mapped
    expect(regs[ORIG_RAX]).toBe(60n);
    expect(await next(tid, null)).toBe(3);
    expect(platform.event.status).toBe(7);
  });

  it('wakes for the kernel deadline when no guest stops', () => {
    expect(platform.resumeAndWait(0, null, 0, 1_000_000)).toBe(5);
  });

  it('copies pmem into fresh frames, and over frames that held other bytes, every byte', () => {
    const chunk = platform.pmem.chunk(0);
    const [src, fresh, old] = [1 << 20, 2 << 20, 3 << 20];
    const size = 32 * 4096; // more than copy copies whole: it skips the holes
    chunk.fill(0, src, src + size);
    chunk[src + 5] = 7; // one page of data, three holes
    chunk.fill(0xee, old, old + size);
    platform.pmem.copy(src, fresh, size);
    platform.pmem.overwrite(src, old, size);
    const expected = new Uint8Array(size);
    expected[5] = 7;
    expect(chunk.subarray(fresh, fresh + size)).toEqual(expected);
    expect(chunk.subarray(old, old + size)).toEqual(expected);
    expect(() => platform.pmem.overwrite(src, platform.pmem.size - 4096, size)).toThrow(/failed: errno 22/);
  });

  it('fills pmem from a host file inside the host: fewer bytes at its end, -errno for a bad fd or range', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rvisor-fill-'));
    const path = join(dir, 'f');
    const bytes = Uint8Array.from({ length: 3 * 4096 + 100 }, (_, i) => (i * 7) & 0xff);
    writeFileSync(path, bytes);
    const fd = openSync(path, 'r');
    try {
      const chunk = platform.pmem.chunk(0);
      const at = 4 << 20;
      chunk.fill(0xee, at, at + 4 * 4096);
      expect(platform.pmem.fill!(at, fd, 100, 4 * 4096)).toBe(bytes.length - 100);
      expect(chunk.subarray(at, at + bytes.length - 100)).toEqual(bytes.subarray(100));
      expect(chunk[at + bytes.length - 100]).toBe(0xee); // past the file's end: untouched
      expect(platform.pmem.fill!(at, 9999, 0, 4096)).toBe(-9); // EBADF
      expect(platform.pmem.fill!(platform.pmem.size - 4096, fd, 0, 8192)).toBe(-22); // EINVAL
    } finally {
      closeSync(fd);
      rmSync(dir, { recursive: true });
    }
  });

  it('starts guests with nothing of the host mapped but the reserved trampoline page', async () => {
    const tid = platform.spawn();
    const maps = readFileSync(`/proc/${tid}/maps`, 'utf8').trim().split('\n');
    const ranges = maps.map((line) => line.split(/\s+/)[0]);
    const { start, end } = platform.reserved;
    // Only the stub page, and the kernel-side vsyscall page no process can unmap.
    expect(ranges.filter((r) => !r.startsWith('ffffffffff600000'))).toEqual([`${start.toString(16)}-${end.toString(16)}`]);
    platform.kill(tid);
    expect(await next(0, null)).toBe(3);
  });
});

/** The CPUs a host thread may run on, as /proc lists them ("0-1"). */
const cpusOf = (tid: number | string) => readFileSync(`/proc/${tid}/status`, 'utf8').match(/Cpus_allowed_list:\s*(\S+)/)![1];

describe('guests computing side by side', () => {
  // Only the tracer's thread is pinned: Node's other threads keep the CPUs the process was given.
  const home = cpusOf('thread-self');
  const given = readdirSync('/proc/self/task').map((t) => cpusOf(`self/task/${t}`)).find((list) => list !== home) ?? home;
  const spare = given !== home;

  const count = given.split(',').reduce((n, range) => {
    const [from, to = from] = range.split('-').map(Number);
    return n + to! - from! + 1;
  }, 0);

  it('may use every CPU the process was given, which is how many the guests are shown', () => {
    expect(platform.cpus).toBe(count);
  });

  it.runIf(spare)('go back to one CPU with the kernel when the process\'s CPUs change (repin)', () => {
    // Joining a cpuset cgroup may leave the pinned thread as it was (Linux 6.2 and later, when the
    // cpuset holds its CPU), or give it every CPU of the cgroup.
    platform.repin();
    expect(cpusOf('thread-self')).toMatch(/^\d+$/);
    expect(platform.cpus).toBe(count);
    const tid = readlinkSync('/proc/thread-self').split('/').pop()!;
    expect(spawnSync('taskset', ['-p', '-c', given, tid]).status).toBe(0);
    expect(cpusOf('thread-self')).toBe(given);
    platform.repin();
    expect(cpusOf('thread-self')).toMatch(/^\d+$/);
    expect(platform.cpus).toBe(count);
  });

  it.runIf(spare)('are parted: one moves off the kernel\'s CPU, one stays, and the moved one is home again at its next stop', { timeout: 30_000 }, async () => {
    const JMP_SELF = [0xeb, 0xfe];
    platform.pmem.chunk(0).set(JMP_SELF, 0);
    const tids: number[] = [];
    for (let i = 0; i < 2; i++) {
      const tid = platform.spawn();
      platform.inject(tid, platform.regs, [{ nr: 9, args: [0x400000, 4096, 5, 0x11, platform.pmemGuestFd, 0] }]);
      platform.regs[RIP] = 0x400000n;
      expect(platform.resumeAndWait(tid, platform.regs, 0, 0)).toBe(5); // resumed; nothing waited for
      tids.push(tid);
    }
    const away = () => tids.filter((t) => cpusOf(t) !== home);
    // The tracer looks while it waits: wait 20 ms at a time, letting Node run its timers between
    // (a timer due ends a wait at once), 500 times at most.
    const wait = async () => {
      expect(platform.resumeAndWait(0, null, 0, 20e6)).toBe(5);
      await new Promise((resolve) => setTimeout(resolve, 0));
    };
    for (let i = 0; i < 500 && away().length === 0; i++) await wait();
    expect(away()).toHaveLength(1);
    for (let i = 0; i < 10; i++) await wait();
    expect(away()).toHaveLength(1); // the other stays with the kernel
    const [moved] = away();
    platform.interrupt(moved!);
    expect(await next(0, null)).toBe(2); // a signal stop: a ptrace stop
    expect(platform.event.tid).toBe(moved);
    expect(cpusOf(moved!)).toBe(home);
    for (const t of tids) platform.kill(t);
    let exits = (await next(moved!, null)) === 3 ? 1 : 0;
    while (exits < 2) exits += (await next(0, null)) === 3 ? 1 : 0;
  });
});

/** Run `script` (CommonJS, in this package's directory) in a Node of its own, ended after 20 s. */
function inChild(script: string, taskset: string[] = []) {
  const argv = [...taskset, process.execPath, '-e', script];
  return spawnSync(argv[0]!, argv.slice(1), {
    cwd: fileURLToPath(new URL('..', import.meta.url)), encoding: 'utf8', timeout: 20_000, killSignal: 'SIGKILL',
  });
}

describe('a guest whose start fails before its exec', () => {
  it('is an error naming the step, and its host process is gone before spawn returns', () => {
    // The child runs on a stack in the tracer's own memory until its exec: were it left alive
    // when spawn fails, it would run on freed memory. With /dev/null in place of the stub's
    // memfd, its execveat fails and it goes on to exit; spawn must kill and reap it first.
    const r = inChild(`import('./dist/index.js').then((m) => {
      const fs = require('fs');
      const p = m.createTrapPlatform();
      const self = '/proc/self/task/' + process.pid + '/children';
      const before = fs.readFileSync(self, 'utf8');
      const stub = Number(fs.readdirSync('/proc/self/fd').find((fd) => {
        try { return fs.readlinkSync('/proc/self/fd/' + fd).startsWith('/memfd:rvisor-stub'); } catch { return false; }
      }));
      fs.closeSync(stub);
      const devNull = fs.openSync('/dev/null', 'r'); // the lowest free number: the stub's
      let error = 'none';
      try { p.spawn(); } catch (e) { error = e.message; }
      const after = fs.readFileSync(self, 'utf8');
      process.stdout.write(JSON.stringify({ replaced: devNull === stub, error, same: before === after }));
      p.shutdown();
    })`);
    expect(JSON.parse(r.stdout || '{}'), r.stderr).toEqual({
      replaced: true,
      error: expect.stringMatching(/^guest start failed at the exec event \(wait status 0x[0-9a-f]+\)$/),
      same: true,
    });
  });
});

describe('ptrace events while the tracer sleeps', () => {
  // mov ecx, 3; loop: mov edx, 1 << 25; spin: dec edx; jnz spin; mov eax, 158 (arch_prctl, traced);
  // push rcx; syscall; pop rcx; dec ecx; jnz loop; mov eax, 60 (exit); syscall
  // The spin outlasts the tracer's yield, so it is asleep in epoll when each traced call stops:
  // only what waits for ptrace events on its behalf can wake it.
  const SPIN_THEN_TRACED = [
    0xb9, 3, 0, 0, 0, 0xba, 0, 0, 0, 2, 0xff, 0xca, 0x75, 0xfc, 0xb8, 158, 0, 0, 0, 0x51, 0x0f, 0x05, 0x59, 0xff, 0xc9, 0x75,
    0xea, 0xb8, 60, 0, 0, 0, 0x0f, 0x05,
  ];
  const script = (waitRing: boolean) => `import('./dist/index.js').then(async (m) => {
    const p = m.createTrapPlatform({ pmemSize: 2 ** 32, chunkSize: 2 ** 30, waitRing: ${waitRing} });
    const next = async (tid, regs) => {
      let kind = p.resumeAndWait(tid, regs, 0, -1);
      while (kind === 5) {
        await new Promise((resolve) => setImmediate(resolve));
        kind = p.resumeAndWait(0, null, 0, -1);
      }
      return kind;
    };
    p.pmem.chunk(0).set(${JSON.stringify(SPIN_THEN_TRACED)}, 0);
    const tid = p.spawn();
    p.inject(tid, p.regs, [
      { nr: 9, args: [0x400000, 4096, 5, 0x11, p.pmemGuestFd, 0] },
      { nr: 9, args: [0x600000, 8192, 3, 0x11, p.pmemGuestFd, 4096] },
    ]);
    p.regs[${RIP}] = 0x400000n;
    p.regs[${RSP}] = 0x602000n;
    const seen = [];
    let kind = await next(tid, p.regs);
    while (kind === 1) {
      seen.push(Number(p.regs[${ORIG_RAX}]));
      if (p.regs[${ORIG_RAX}] === 158n) {
        p.regs[${ORIG_RAX}] = ${NO_SYSCALL}n;
        p.regs[${RAX}] = 0n;
        kind = await next(tid, p.regs);
      } else {
        kind = await next(tid, null);
      }
    }
    process.stdout.write(JSON.stringify({ ring: p.waitsWithRing, seen, kind, status: p.event.status }));
    p.shutdown();
  })`;

  it('wake it through the watcher thread (waitRing: false)', () => {
    const r = inChild(script(false));
    expect(JSON.parse(r.stdout || '{}'), r.stderr).toEqual({ ring: false, seen: [158, 158, 158, 60], kind: 3, status: 0 });
  });

  it('wake it through an io_uring where Linux has IORING_OP_WAITID (6.7) and allows io_uring', () => {
    const r = inChild(script(true));
    const out = JSON.parse(r.stdout || '{}');
    expect(out, r.stderr).toEqual({ ring: out.ring, seen: [158, 158, 158, 60], kind: 3, status: 0 });
    const [major, minor] = release().split('.').map(Number);
    // Where io_uring is allowed: not disabled by sysctl, and no seccomp filter on this process
    // (Docker's default profile refuses io_uring_setup).
    const allowed = major! * 100 + minor! >= 607
      && readFileSync('/proc/sys/kernel/io_uring_disabled', 'utf8').trim() === '0'
      && /^Seccomp:\s*0$/m.test(readFileSync('/proc/self/status', 'utf8'));
    if (allowed) expect(out.ring).toBe(true);
  });
});

describe('waiting with no guest event due', () => {
  it('ends for a Node timer, even inside setImmediate (where libuv reports no timeout)', () => {
    // With no kernel deadline, only the timer can end the wait: were it ignored, the child would
    // block for good and be killed.
    const r = inChild(`import('./dist/index.js').then((m) => {
      const p = m.createTrapPlatform();
      let fired = false;
      setTimeout(() => (fired = true), 20);
      setImmediate(() => {
        const kind = p.resumeAndWait(0, null, 0, -1);
        setTimeout(() => {
          process.stdout.write(kind + ' ' + fired);
          p.shutdown();
        }, 0);
      });
    })`);
    expect(r.stdout, r.stderr).toBe('5 true');
  });
});

describe('the default CPU pin', () => {
  it('is a CPU the process may run on (taskset or a cpuset chose it)', () => {
    const script = `import('./dist/index.js').then((m) => {
      const p = m.createTrapPlatform();
      process.stdout.write(require('fs').readFileSync('/proc/self/status', 'utf8').match(/Cpus_allowed_list:\\s*(\\S+)/)[1]);
      p.shutdown();
    })`;
    const cpus = availableParallelism();
    for (const cpu of [0, cpus - 1]) {
      const r = inChild(script, ['taskset', '-c', String(cpu)]);
      expect(r.stdout, r.stderr).toBe(String(cpu));
    }
  });
});

/**
 * Whether guests get a vDSO: the platform trusts the TSC when the host's clock is built on it
 * (clocksource `tsc`, or `kvm-clock` on a stable TSC; docs/platform.md, "Time and the vDSO").
 */
const guestsGetVdso = platform.time.vdso !== null;

describe('the guests\' clock', () => {
  it('is the host CLOCK_MONOTONIC, read in steps that never go back', () => {
    const { clock } = platform.time;
    let last = clock.now();
    for (let i = 0; i < 100_000; i++) {
      const now = clock.now();
      expect(now >= last).toBe(true);
      last = now;
    }
    // Fitted to the host's clock, which brackets it: a refit slews by microseconds, it never steps.
    const before = process.hrtime.bigint();
    const ours = clock.now();
    const after = process.hrtime.bigint();
    expect(ours >= before - 1_000_000n && ours <= after + 1_000_000n).toBe(true);
    const wallBefore = BigInt(Date.now()) * 1_000_000n;
    const realtime = clock.now() + platform.time.realtimeOffset;
    const wallAfter = BigInt(Date.now() + 1) * 1_000_000n;
    expect(realtime >= wallBefore - 1_000_000n && realtime <= wallAfter + 1_000_000n).toBe(true);
  });

  it.runIf(guestsGetVdso)('comes with a vDSO that serves the time calls under Linux\'s version', () => {
    const vdso = platform.time.vdso!;
    expect([...vdso.subarray(0, 4)]).toEqual([0x7f, 0x45, 0x4c, 0x46]);
    const text = new TextDecoder('latin1').decode(vdso);
    for (const name of ['__vdso_clock_gettime', '__vdso_gettimeofday', '__vdso_time', '__vdso_clock_getres', '__vdso_getcpu', 'LINUX_2.6']) {
      expect(text).toContain(name);
    }
  });

  it('is the host\'s own clock, with no vDSO, when told not to use the TSC', () => {
    const r = inChild(`import('./dist/index.js').then((m) => {
      const p = m.createTrapPlatform({ pmemSize: 2 ** 30, vdso: false });
      const a = process.hrtime.bigint(), ours = p.time.clock.now(), b = process.hrtime.bigint();
      process.stdout.write(JSON.stringify({ vdso: p.time.vdso, between: a <= ours && ours <= b }));
      p.shutdown();
    })`);
    expect(JSON.parse(r.stdout || '{}'), r.stderr).toEqual({ vdso: null, between: true });
  });

  it.runIf(guestsGetVdso)('keeps the pages it was given current, and no others', () => {
    // In a platform of its own, whose first refit comes 2 ms after it starts.
    const r = inChild(`import('./dist/index.js').then((m) => {
      const p = m.createTrapPlatform({ pmemSize: 2 ** 30 });
      const kept = new Uint32Array(p.pmem.chunk(0).buffer, 0, 2);
      const released = new Uint32Array(p.pmem.chunk(0).buffer, 4096, 2);
      p.time.keepPage(0);
      p.time.keepPage(4096);
      p.time.releasePage(4096);
      const first = [kept[0], kept[1], released[0]];
      const start = Date.now();
      while (kept[0] === first[0] && Date.now() - start < 5000) p.time.clock.now();
      process.stdout.write(JSON.stringify({ first, kept: kept[0], released: released[0] }));
      p.shutdown();
    })`);
    const { first, kept, released } = JSON.parse(r.stdout || '{}') as { first: number[]; kept: number; released: number };
    // Written once each: sequence 2 (even: complete); then how the vDSO reads the TSC, RDTSCP (1)
    // or, where LFENCE orders it, LFENCE; RDTSC (2).
    expect([first[0], first[2]], r.stderr).toEqual([2, 2]);
    expect([1, 2]).toContain(first[1]);
    expect(kept).toBe(4); // rewritten at the refit
    expect(released).toBe(2);
  });
});
