import { FakePhysicalMemory, FakePlatform, PmemAllocator } from '@rvisor/zircon-object';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { O_CREAT, O_RDONLY, O_TRUNC, O_WRONLY } from '../abi/fcntl.js';
import { TmpFs } from '../fs/tmpfs.js';
import { keptContents } from './file-contents.js';
import { IMAGE_SETTLED_MS } from './image-cache.js';
import { Kernel } from './kernel.js';

const MiB = 1024 * 1024;

/** A kernel over a tmpfs holding `/f`, `size` bytes, settled (old enough to be kept). */
function setup(size: number, memoryLimit?: number) {
  const platform = new FakePlatform(new FakePhysicalMemory(128 * MiB));
  const allocator = new PmemAllocator(platform.pmem);
  const kernel = new Kernel({ platform, rootFs: new TmpFs({ allocator }), allocator, memoryLimit });
  const f = kernel.vfs.open(kernel.vfs.root, '/f', O_WRONLY | O_CREAT | O_TRUNC, 0o644);
  f.pwrite(new Uint8Array([1]), size - 1);
  f.close();
  vi.setSystemTime(Date.now() + IMAGE_SETTLED_MS + 1);
  const open = () => kernel.vfs.open(kernel.vfs.root, '/f', O_RDONLY, 0);
  return { kernel, open };
}

describe('kept contents of mapped files', () => {
  beforeEach(() => void vi.useFakeTimers());
  afterEach(() => void vi.useRealTimers());

  it('keeps a small file for a mapping of any part of it, and gives it to the next mapping', () => {
    const { kernel, open } = setup(64 * 1024);
    const first = keptContents(kernel, open(), 4096);
    expect(first).toBeDefined();
    expect(kernel.mappedFiles.bytes).toBe(64 * 1024);
    const again = keptContents(kernel, open(), 4096);
    expect(again).toBe(first);
  });

  it('keeps a big file, a compiler library, for a mapping of most of it', () => {
    const { kernel, open } = setup(40 * MiB);
    const contents = keptContents(kernel, open(), 40 * MiB);
    expect(contents?.bytes).toBe(40 * MiB);
    expect(kernel.mappedFiles.bytes).toBe(40 * MiB);
  });

  it('reads no more than a window of a big file mapped a window at a time', () => {
    const { kernel, open } = setup(40 * MiB);
    expect(keptContents(kernel, open(), MiB)).toBeUndefined();
    expect(kernel.mappedFiles.bytes).toBe(0);
  });

  it('leaves a file the container has no room for to the mapping, which may need less of it', () => {
    const { kernel, open } = setup(16 * MiB, 12 * MiB);
    expect(keptContents(kernel, open(), 4096)).toBeUndefined();
    expect(kernel.mappedFiles.bytes).toBe(0);
    expect(kernel.memoryAccount.used).toBeLessThanOrEqual(12 * MiB);
  });
});
