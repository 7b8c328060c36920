import * as fs from 'node:fs';
import * as os from 'node:os';
import * as nodePath from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FsContext, O_RDONLY, O_RDWR, Vfs, releaseFile, retainFile, type OpenFile } from '@rvisor/linux-object';
import { FakePlatform, PmemAllocator, Vmar, type Vmo } from '@rvisor/zircon-object';
import { HostFs } from './host-fs.js';
import type { HostRegularFile } from './host-files.js';
import { NodeHostOps } from './node-host-ops.test-helper.js';

const PAGE = 4096;

/** An address space mapping `vmo` shared; `unmap` drops the mapping as munmap does. */
function mapped(vmo: Vmo): { unmap(): void } {
  const vmar = new Vmar({ base: 0x10000, size: 0x1000000, pmemGuestFd: 3 });
  const at = vmar.map({ vmo, len: vmo.size, prot: 3, shared: true });
  vmar.takeHostOps();
  vmar.hostOpsMade();
  return {
    unmap() {
      vmar.unmap(at, vmo.size);
      vmar.takeHostOps();
      vmar.hostOpsMade();
    },
  };
}

describe('shared pages of host files (MAP_SHARED)', () => {
  let dir: string;
  let hostfs: HostFs;
  let ctx: FsContext;
  const opened: OpenFile[] = [];

  /** Open as the fd table would: held by a reference, closed by the last release. */
  function open(path: string, flags: number): HostRegularFile {
    const f = ctx.open(path, flags, 0);
    retainFile(f);
    opened.push(f);
    return f as HostRegularFile;
  }

  beforeEach(() => {
    dir = fs.mkdtempSync(nodePath.join(os.tmpdir(), 'rvisor-shared-pages-'));
    fs.writeFileSync(nodePath.join(dir, 'f'), 'a'.repeat(2 * PAGE));
    hostfs = HostFs.open(new NodeHostOps(), dir);
    hostfs.shareFileMemory({ allocator: new PmemAllocator(new FakePlatform().pmem) });
    ctx = new FsContext(new Vfs(hostfs));
  });

  afterEach(() => {
    for (const f of opened.splice(0)) releaseFile(f);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('are made only for a file open for reading and writing, and read the file', () => {
    expect(open('/f', O_RDONLY).sharedMemory(PAGE)).toBeUndefined();
    const vmo = open('/f', O_RDWR).sharedMemory(PAGE)!;
    expect(new TextDecoder().decode(vmo.read(0, 4))).toBe('aaaa');
    // Once they exist, a read-only fd's mapping shares them.
    expect(open('/f', O_RDONLY).sharedMemory(PAGE)).toBe(vmo);
  });

  it('are what read(2) and write(2) of any fd of the file see, and written back when unmapped', () => {
    const rw = open('/f', O_RDWR);
    const other = open('/f', O_RDONLY);
    const vmo = rw.sharedMemory(2 * PAGE)!;
    const mapping = mapped(vmo);
    vmo.write(0, new TextEncoder().encode('M'));
    const buf = new Uint8Array(2);
    other.pread(buf, 0);
    expect(new TextDecoder().decode(buf)).toBe('Ma');
    expect(fs.readFileSync(nodePath.join(dir, 'f'), 'latin1')[0]).toBe('a'); // not yet written back
    rw.pwrite(new TextEncoder().encode('W'), PAGE);
    expect(vmo.read(PAGE, 1)[0]).toBe('W'.charCodeAt(0));
    mapping.unmap();
    const host = fs.readFileSync(nodePath.join(dir, 'f'), 'latin1');
    expect([host[0], host[PAGE]]).toEqual(['M', 'W']);
    expect(hostfs.sharedPagesOf(rw)).toBeUndefined();
  });

  it('read zeros past a truncation, and write back only within the file', () => {
    const rw = open('/f', O_RDWR);
    const vmo = rw.sharedMemory(3 * PAGE)!;
    const mapping = mapped(vmo);
    vmo.write(2 * PAGE, new TextEncoder().encode('past the end'));
    rw.setAttr({ size: PAGE });
    expect(vmo.read(PAGE, 1)[0]).toBe(0);
    rw.setAttr({ size: 3 * PAGE });
    expect(vmo.read(2 * PAGE, 1)[0]).toBe(0);
    vmo.write(0, new TextEncoder().encode('Z'));
    rw.setAttr({ size: 100 });
    mapping.unmap();
    expect(fs.readFileSync(nodePath.join(dir, 'f'), 'latin1')).toBe('Z' + 'a'.repeat(99));
  });
});
