import { FakePhysicalMemory, PmemAllocator } from '@rvisor/zircon-object';
import { describe, expect, it } from 'vitest';
import { O_CREAT, O_RDONLY, O_RDWR, O_TMPFILE } from '../abi/fcntl.js';
import { S_IFREG } from '../abi/mode.js';
import { Errno } from '../errno.js';
import { errnoOf } from './errno-of.test-helper.js';
import { TmpFs } from './tmpfs.js';
import { Vfs } from './vfs.js';

function setup() {
  const fs = new TmpFs({ allocator: new PmemAllocator(new FakePhysicalMemory()) });
  const vfs = new Vfs(fs);
  vfs.mkdir(vfs.root, '/d', 0o755);
  return vfs;
}

describe('O_TMPFILE', () => {
  it('opens an unnamed regular file on tmpfs that holds data and no name', () => {
    const vfs = setup();
    const file = vfs.open(vfs.root, '/d', O_TMPFILE | O_RDWR, 0o600);
    const s = file.stat();
    expect(s.mode).toBe(S_IFREG | 0o600);
    expect(s.nlink).toBe(0);
    expect(file.write(new TextEncoder().encode('unnamed'))).toBe(7);
    const buf = new Uint8Array(16);
    expect(file.pread(buf, 0)).toBe(7);
    expect(vfs.lookup(vfs.root, '/d', { followLast: true }).inode.readdir().map((e) => e.name)).toEqual(['.', '..']);
    file.close();
  });

  it('fails as Linux', () => {
    const vfs = setup();
    expect(errnoOf(() => vfs.open(vfs.root, '/d', O_TMPFILE | O_RDONLY, 0o600))).toBe(Errno.EINVAL);
    expect(errnoOf(() => vfs.open(vfs.root, '/d', O_TMPFILE | O_CREAT | O_RDWR, 0o600))).toBe(Errno.EINVAL);
    expect(errnoOf(() => vfs.open(vfs.root, '/d', (O_TMPFILE & ~0o200000) | O_RDWR, 0o600))).toBe(Errno.EINVAL);
    expect(errnoOf(() => vfs.open(vfs.root, '/nothing', O_TMPFILE | O_RDWR, 0o600))).toBe(Errno.ENOENT);
  });
});
