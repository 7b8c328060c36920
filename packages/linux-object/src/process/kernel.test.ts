import { FakePlatform, PmemAllocator, Vmo } from '@rvisor/zircon-object';
import { describe, expect, it } from 'vitest';
import { FdTable } from '../fs/fd-table.js';
import { TmpFs } from '../fs/tmpfs.js';
import { cloneThread, fork } from './fork.js';
import { Kernel } from './kernel.js';
import { ROOT_CAPS } from './capabilities.js';

function setup() {
  const platform = new FakePlatform();
  const allocator = new PmemAllocator(platform.pmem);
  const kernel = new Kernel({ platform, rootFs: new TmpFs({ allocator }), allocator });
  const init = kernel.createProcess({
    parent: null,
    fds: new FdTable(),
    fs: kernel.newFsContext(),
    cred: { uid: 0, gid: 0, euid: 0, egid: 0, suid: 0, sgid: 0, fsuid: 0, fsgid: 0, groups: [], ...ROOT_CAPS },
    name: 'init',
  });
  return { kernel, init, platform, allocator };
}

// The Zircon objects under each process and thread hold them: a dead one must leave its job's and
// its process's lists, or a sandbox keeps every process it ever ran (~4 KiB each, found as a heap
// that grew by 40 MiB over 10 000 forks).
describe('what the kernel forgets', () => {
  it('a dead process leaves the root job', () => {
    const { kernel, init } = setup();
    const child = fork(kernel, init, init.savedRegs);
    expect(kernel.rootJob.processes()).toContain(child.process.zx);
    kernel.reapHostThread(child.hostTid);
    kernel.processDied(child.process);
    expect(kernel.rootJob.processes()).not.toContain(child.process.zx);
    expect(kernel.rootJob.processes()).toContain(init.process.zx);
  });

  it('a reaped thread leaves its process', () => {
    const { kernel, init } = setup();
    const thread = cloneThread(kernel, init, init.savedRegs, { stack: 0n });
    expect(init.process.zx.threads()).toHaveLength(2);
    kernel.reapHostThread(thread.hostTid);
    expect(init.process.zx.threads()).toEqual([init.zx]);
  });
});

describe('syncMemory', () => {
  // Until the host has unmapped it, another thread of the guest can still write to the memory, and
  // what it wrote into frames already freed would reach their next owner.
  it('frees what the ops unmap only once the host has made them', () => {
    const { kernel, init, platform, allocator } = setup();
    const vmo = Vmo.create(allocator, 1 << 20);
    init.process.vmar.map({ vmo, len: 1 << 20, prot: 3, addr: 0x4000_0000, fixed: true });
    vmo.close();
    kernel.syncMemory(init, init.savedRegs);
    init.process.vmar.unmap(0x4000_0000, 1 << 20);
    let heldWhileInjecting = 0;
    const inject = platform.inject.bind(platform);
    platform.inject = (tid, regs, calls) => {
      heldWhileInjecting = allocator.allocatedBytes;
      return inject(tid, regs, calls);
    };
    kernel.syncMemory(init, init.savedRegs);
    expect(platform.injected.at(-1)?.calls[0]?.nr).toBe(11); // munmap
    expect(heldWhileInjecting).toBeGreaterThanOrEqual(1 << 20);
    expect(allocator.allocatedBytes).toBe(heldWhileInjecting - (1 << 20));
  });
});

describe('a call the host makes on its own', () => {
  it('has what waits for it done at the thread\'s next stop, or when the thread is gone', () => {
    const { kernel, init } = setup();
    const done: string[] = [];
    init.afterHostCall = () => done.push('stopped');
    kernel.hostCallMade(init);
    kernel.hostCallMade(init); // once
    init.afterHostCall = () => done.push('reaped');
    kernel.reapHostThread(init.hostTid);
    expect(done).toEqual(['stopped', 'reaped']);
    expect(init.afterHostCall).toBeNull();
  });
});
