import { FakePlatform, PmemAllocator, Prot, Reg, ZxStatus, type GuestTime } from '@rvisor/zircon-object';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { O_CREAT, O_TRUNC, O_WRONLY } from '../abi/fcntl.js';
import { AuxType } from '../elf/auxv.js';
import { buildTestElf } from '../elf/test-elf.js';
import { FdTable } from '../fs/fd-table.js';
import { TmpFs } from '../fs/tmpfs.js';
import { execve } from './exec.js';
import { fork } from './fork.js';
import { IMAGE_SETTLED_MS } from './image-cache.js';
import { Kernel } from './kernel.js';
import { ROOT_CAPS } from './capabilities.js';

const TEXT = 0x400000;
const DATA = 0x402000;

/** A static program whose text starts with `mark` and whose data segment starts with `mark + 1`. */
function program(mark: number): Uint8Array {
  return buildTestElf({
    phdrs: [
      { type: 1, flags: 5, offset: 0, vaddr: TEXT, filesz: 0x1800 },
      { type: 1, flags: 6, offset: 0x2000, vaddr: DATA, filesz: 0x100, memsz: 0x3000 },
    ],
    extra: [
      { at: 0x1000, data: new Uint8Array([mark]) },
      { at: 0x2000, data: new Uint8Array([mark + 1]) },
    ],
  });
}

function setup(memoryLimit?: number, time?: GuestTime) {
  const platform = Object.assign(new FakePlatform(), { time });
  const allocator = new PmemAllocator(platform.pmem);
  const rootFs = new TmpFs({ allocator });
  const kernel = new Kernel({ platform, rootFs, allocator, memoryLimit });
  const thread = kernel.createProcess({
    parent: null,
    fds: new FdTable(),
    fs: kernel.newFsContext(),
    cred: { uid: 0, gid: 0, euid: 0, egid: 0, suid: 0, sgid: 0, fsuid: 0, fsgid: 0, groups: [], ...ROOT_CAPS },
    name: 'init',
  });
  const write = (path: string, bytes: Uint8Array) => {
    const f = kernel.vfs.open(kernel.vfs.root, path, O_WRONLY | O_CREAT | O_TRUNC, 0o755);
    f.write(bytes);
    f.close();
  };
  const exec = (path: string) => execve(kernel, thread, thread.savedRegs, path, [path], []);
  const mem = thread.process.vmar;
  return { kernel, thread, write, exec, mem };
}

/** Let the file's ctime settle, so that its image may be cached. */
function settle() {
  vi.setSystemTime(Date.now() + IMAGE_SETTLED_MS + 1);
}

/** A kernel (fake clock) that has run the settled program /prog once, so its image is cached. */
function setupCached(memoryLimit?: number) {
  vi.useFakeTimers();
  const k = setup(memoryLimit);
  k.write('/prog', program(7));
  settle();
  k.exec('/prog');
  return k;
}

describe('execve image cache', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('maps a settled file from the cache, sharing read-only memory and copying writable memory', () => {
    const { kernel, write, exec, mem } = setupCached();
    expect(kernel.images.bytes).toBeGreaterThan(0);
    const text = mem.mappingAt(TEXT)!.vmo;
    exec('/prog');
    expect(mem.mappingAt(TEXT)!.vmo).toBe(text); // the cached VMO, not a new read
    expect(mem.readU8(TEXT + 0x1000)).toBe(7);
    expect(mem.readU8(DATA)).toBe(8);

    // Writable memory is the process's own; making text writable copies it first.
    mem.write(DATA, new Uint8Array([1]));
    mem.protect(TEXT, 0x2000, Prot.READ | Prot.WRITE);
    mem.write(TEXT + 0x1000, new Uint8Array([1]));
    exec('/prog');
    expect(mem.readU8(TEXT + 0x1000)).toBe(7);
    expect(mem.readU8(DATA)).toBe(8);
    expect(mem.readU8(DATA + 0x100)).toBe(0); // the bss
  });

  it('runs the new file after it is replaced or rewritten', () => {
    const { kernel, write, exec, mem } = setupCached();
    expect(kernel.images.bytes).toBeGreaterThan(0);
    // Rewritten in place, to the same size.
    write('/prog', program(20));
    exec('/prog');
    expect(mem.readU8(TEXT + 0x1000)).toBe(20);
    expect(mem.readU8(DATA)).toBe(21);
    // Replaced by another file under the same name.
    write('/other', program(40));
    settle();
    kernel.vfs.rename(kernel.vfs.root, '/other', kernel.vfs.root, '/prog', 0);
    exec('/prog');
    expect(mem.readU8(TEXT + 0x1000)).toBe(40);
  });

  it('does not cache a file changed moments ago', () => {
    vi.useFakeTimers();
    const { kernel, write, exec } = setup();
    write('/prog', program(7));
    exec('/prog');
    expect(kernel.images.bytes).toBe(0);
  });

  it('gives cached images back when the memory limit is reached', () => {
    const { kernel, thread, write, exec } = setupCached(64 * 1024 * 1024);
    write('/other', program(9));
    exec('/other'); // not settled: not cached; /prog's image is now the cache's alone
    kernel.syncMemory(thread, thread.savedRegs);
    const cached = kernel.images.bytes;
    expect(cached).toBeGreaterThan(0);
    kernel.memoryAccount.limit = kernel.memoryAccount.used - cached + 4096;
    kernel.memoryAccount.charge(4096); // passes once the cache is dropped
    expect(kernel.images.bytes).toBe(0);
  });

  it('keeps nothing once init has died', () => {
    const { kernel, thread, write, exec } = setupCached();
    expect(kernel.images.bytes).toBeGreaterThan(0);
    kernel.processDied(thread.process);
    expect(kernel.images.bytes).toBe(0);
    expect(kernel.images.accepts(kernel.vfs.root.mount.fs, kernel.vfs.root.inode.stat())).toBe(false);
  });

  it('forks a process running a cached image', () => {
    const { kernel, thread, write, exec, mem } = setupCached();
    kernel.syncMemory(thread, thread.savedRegs);
    const child = fork(kernel, thread, thread.savedRegs);
    const cmem = child.process.vmar;
    expect(cmem.mappingAt(TEXT)!.vmo).toBe(mem.mappingAt(TEXT)!.vmo);
    // The child's host process inherits the shared mappings: only its copies are mapped.
    const ops = cmem.takeHostOps();
    expect(ops.map((o) => Number(o.args[0]))).not.toContain(TEXT);
    expect(ops.map((o) => Number(o.args[0]))).toContain(DATA);
    cmem.write(DATA, new Uint8Array([99]));
    expect(mem.readU8(DATA)).toBe(8);
  });
});

describe('execve and the vDSO', () => {
  /** A platform clock with a vDSO image of `size` bytes starting with `mark`. */
  function guestTime(mark: number, size = 6000) {
    const vdso = new Uint8Array(size);
    vdso[0] = mark;
    return { clock: { now: () => 5n }, realtimeOffset: 7n, vdso, keepPage: vi.fn(), releasePage: vi.fn() };
  }

  /** The auxiliary vector on the new image's stack. */
  function auxv(mem: ReturnType<typeof setup>['mem'], sp: number): Map<number, number> {
    let at = sp + 8 * (Number(mem.readU64(sp)) + 2); // past argc, argv and its NULL
    while (mem.readU64(at) !== 0n) at += 8; // past envp
    const out = new Map<number, number>();
    for (at += 8; mem.readU64(at) !== 0n; at += 16) out.set(Number(mem.readU64(at)), Number(mem.readU64(at + 8)));
    return out;
  }

  it('maps a time page the platform keeps current and the image right after it, read-only, named as Linux names them', () => {
    const time = guestTime(0x7f);
    const { kernel, thread, write, exec, mem } = setup(undefined, time);
    write('/prog', program(1));
    exec('/prog');
    const vdso = auxv(mem, Number(thread.savedRegs[Reg.rsp])).get(AuxType.AT_SYSINFO_EHDR)!;
    const page = mem.mappingAt(vdso - 4096)!;
    const image = mem.mappingAt(vdso)!;
    expect([page.name, page.prot, page.end]).toEqual(['[vvar]', Prot.READ, vdso]);
    expect([image.name, image.prot, image.end - image.start]).toEqual(['[vdso]', Prot.READ | Prot.EXEC, 8192]);
    expect(mem.readU8(vdso)).toBe(0x7f);
    expect(time.keepPage).toHaveBeenCalledWith(page.vmo!.pmemOffset);
    // Every process maps the container's one page; it is let go once init has died.
    exec('/prog');
    expect(mem.mappingAt(auxv(mem, Number(thread.savedRegs[Reg.rsp])).get(AuxType.AT_SYSINFO_EHDR)! - 4096)!.vmo).toBe(page.vmo);
    kernel.processDied(thread.process);
    expect(time.releasePage).toHaveBeenCalledWith(page.vmo!.pmemOffset);
  });

  it('never lets a process make the time page writable or executable', () => {
    const { thread, write, exec, mem } = setup(undefined, guestTime(1));
    write('/prog', program(1));
    exec('/prog');
    const vdso = auxv(mem, Number(thread.savedRegs[Reg.rsp])).get(AuxType.AT_SYSINFO_EHDR)!;
    for (const prot of [Prot.READ | Prot.WRITE, Prot.READ | Prot.EXEC]) {
      expect(() => mem.protect(vdso - 4096, 4096, prot)).toThrow(expect.objectContaining({ status: ZxStatus.ERR_ACCESS_DENIED }));
    }
    mem.protect(vdso - 4096, 4096, Prot.READ);
    // The image may be made writable (a debugger's breakpoints): the process gets its own copy.
    const image = mem.mappingAt(vdso)!.vmo!;
    mem.protect(vdso, 4096, Prot.READ | Prot.WRITE);
    mem.write(vdso, new Uint8Array([9]));
    expect(mem.mappingAt(vdso)!.vmo).not.toBe(image);
    expect(image.read(0, 1)[0]).toBe(1); // guestTime(1)'s mark
  });

  it('takes the kernel\'s clock from the platform, and leaves the auxv without AT_SYSINFO_EHDR when there is no image', () => {
    const { kernel, thread, write, exec, mem } = setup(undefined, { ...guestTime(1), vdso: null });
    expect(kernel.clock.now()).toBe(5n);
    expect(kernel.realtimeOffset).toBe(7n);
    write('/prog', program(1));
    exec('/prog');
    expect(auxv(mem, Number(thread.savedRegs[Reg.rsp])).has(AuxType.AT_SYSINFO_EHDR)).toBe(false);
  });
});
