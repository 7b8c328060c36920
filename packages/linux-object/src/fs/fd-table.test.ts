import { describe, expect, it } from 'vitest';
import { O_CLOEXEC, O_RDWR } from '../abi/fcntl.js';
import { Errno, KernelError } from '../errno.js';
import { DevFs } from './devfs.js';
import { CLOSE_RANGE_CLOEXEC, FdTable, fileReferences } from './fd-table.js';
import type { OpenFile } from './open-file.js';
import { errnoOf } from './errno-of.test-helper.js';


function countingFile(): OpenFile & { closed: number } {
  const file = new DevFs().root.lookup('null').open(O_RDWR, '/dev/null') as OpenFile & { closed: number };
  file.closed = 0;
  const close = file.close.bind(file);
  file.close = () => {
    file.closed++;
    close();
  };
  return file;
}

describe('FdTable', () => {
  it('allocates the lowest free fd', () => {
    const t = new FdTable();
    const f = countingFile();
    expect([t.install(f), t.install(f), t.install(f)]).toEqual([0, 1, 2]);
    t.close(1);
    expect(t.install(f)).toBe(1);
    expect(t.install(f, { minFd: 10 })).toBe(10);
    expect(errnoOf(() => t.get(5))).toBe(Errno.EBADF);
    expect(errnoOf(() => t.close(5))).toBe(Errno.EBADF);
    expect(errnoOf(() => t.get(-1))).toBe(Errno.EBADF);
  });

  it('shares and reference-counts open files across dup and fork', () => {
    const t = new FdTable();
    const f = countingFile();
    const fd = t.install(f);
    const d = t.dup(fd);
    const child = t.fork();
    expect(fileReferences(f)).toBe(4);
    t.close(fd);
    t.close(d);
    expect(f.closed).toBe(0);
    child.closeAll();
    expect(f.closed).toBe(1);
    expect(fileReferences(f)).toBe(0);
  });

  it('dup2 and dup3 as Linux', () => {
    const t = new FdTable(16);
    const a = countingFile();
    const b = countingFile();
    t.install(a);
    t.install(b);
    expect(t.dup2(0, 1)).toBe(1);
    expect(b.closed).toBe(1);
    expect(t.get(1)).toBe(a);
    expect(t.dup2(0, 0)).toBe(0);
    expect(errnoOf(() => t.dup2(5, 6))).toBe(Errno.EBADF);
    expect(errnoOf(() => t.dup2(0, 16))).toBe(Errno.EBADF);
    expect(errnoOf(() => t.dup3(0, 0, 0))).toBe(Errno.EINVAL);
    expect(errnoOf(() => t.dup3(0, 3, 1))).toBe(Errno.EINVAL);
    expect(t.dup3(0, 3, O_CLOEXEC)).toBe(3);
    expect(t.getCloexec(3)).toBe(true);
    expect(errnoOf(() => t.dup(0, 16))).toBe(Errno.EINVAL);
  });

  it('closes cloexec fds on exec and enforces the limit', () => {
    const t = new FdTable(3);
    const f = countingFile();
    t.install(f);
    t.install(f, { cloexec: true });
    t.install(f);
    expect(errnoOf(() => t.install(f))).toBe(Errno.EMFILE);
    t.closeOnExec();
    expect(t.has(1)).toBe(false);
    expect(t.count).toBe(2);
    t.setCloexec(2, true);
    t.closeOnExec();
    expect([...t.entries()].map(([fd]) => fd)).toEqual([0]);
  });
});

describe('close_range', () => {
  it('closes or marks close-on-exec the open fds of a range', () => {
    const t = new FdTable();
    for (let i = 0; i < 6; i++) t.install(countingFile());
    t.closeRange(1, 2, 0);
    t.closeRange(4, 0xffff_ffff, CLOSE_RANGE_CLOEXEC);
    expect([...t.entries()].map(([fd]) => fd)).toEqual([0, 3, 4, 5]);
    expect([t.getCloexec(3), t.getCloexec(4), t.getCloexec(5)]).toEqual([false, true, true]);
    expect(errnoOf(() => t.closeRange(3, 2, 0))).toBe(Errno.EINVAL);
    expect(errnoOf(() => t.closeRange(0, 1, 1))).toBe(Errno.EINVAL);
  });
});
