import { describe, expect, it } from 'vitest';
import { F_RDLCK, F_UNLCK, F_WRLCK } from '../abi/fcntl.js';
import { Errno } from '../errno.js';
import { errnoOf } from './errno-of.test-helper.js';
import { FileLocks, type LockRequest } from './locks.js';
import type { OpenFile } from './open-file.js';

// Open files of one inode: the locks only ask them for their identity.
const openOf = (ino: bigint): OpenFile => ({ stat: () => ({ dev: 1n, ino }) }) as unknown as OpenFile;
const posix = (owner: object, type: LockRequest['type'], start: number, end: number): LockRequest => ({
  owner, ofd: false, pid: 7, type, start, end,
});

describe('record locks', () => {
  it('conflict between owners, never with the owner itself, and merge adjacent ranges', () => {
    const locks = new FileLocks();
    const file = openOf(1n);
    const [a, b] = [{}, {}];
    locks.set(file, posix(a, F_WRLCK, 0, 9), false);
    locks.set(file, posix(a, F_WRLCK, 10, 19), false);
    expect(locks.test(file, posix(a, F_WRLCK, 0, Infinity))).toBeNull();
    expect(locks.test(file, posix(b, F_RDLCK, 5, 5))).toMatchObject({ start: 0, end: 19, type: F_WRLCK });
    expect(errnoOf(() => locks.set(file, posix(b, F_RDLCK, 15, 15), false))).toBe(Errno.EAGAIN);
  });

  it('unlocking the middle splits a lock', () => {
    const locks = new FileLocks();
    const file = openOf(2n);
    const [a, b] = [{}, {}];
    locks.set(file, posix(a, F_WRLCK, 0, 29), false);
    locks.set(file, posix(a, F_UNLCK, 10, 19), false);
    expect(locks.test(file, posix(b, F_RDLCK, 10, 19))).toBeNull();
    expect(locks.test(file, posix(b, F_RDLCK, 15, Infinity))).toMatchObject({ start: 20, end: 29 });
  });

  it('a waiter gets the lock once the holder closes an fd of the file', async () => {
    const locks = new FileLocks();
    const file = openOf(3n);
    const [a, b] = [{}, {}];
    locks.set(file, posix(a, F_WRLCK, 0, 0), false);
    let granted = false;
    const waiting = Promise.resolve(locks.set(file, posix(b, F_WRLCK, 0, 0), true)).then(() => { granted = true; });
    await Promise.resolve();
    expect(granted).toBe(false);
    locks.closedBy(a, openOf(3n));
    await waiting;
    expect(locks.test(file, posix(a, F_WRLCK, 0, 0))).toMatchObject({ owner: b });
  });

  it('reports EDEADLK when two owners would wait for each other', async () => {
    const locks = new FileLocks();
    const file = openOf(4n);
    const [a, b] = [{}, {}];
    locks.set(file, posix(a, F_WRLCK, 0, 0), false);
    locks.set(file, posix(b, F_WRLCK, 1, 1), false);
    const aborter = new AbortController();
    const first = locks.set(file, posix(a, F_WRLCK, 1, 1), true, aborter.signal) as Promise<void>;
    first.catch(() => {});
    await expect(locks.set(file, posix(b, F_WRLCK, 0, 0), true) as Promise<void>).rejects.toMatchObject({ errno: Errno.EDEADLK });
    aborter.abort(new Error('interrupted'));
    await expect(first).rejects.toThrow('interrupted');
  });
});

describe('flock', () => {
  it('shares shared locks, excludes exclusive ones and frees them with the open file', () => {
    const locks = new FileLocks();
    const [f, g] = [openOf(5n), openOf(5n)];
    locks.flock(f, 'shared', true);
    locks.flock(g, 'shared', true);
    expect(errnoOf(() => locks.flock(g, 'exclusive', true))).toBe(Errno.EWOULDBLOCK);
    locks.released(f);
    locks.flock(g, 'exclusive', true);
    expect(errnoOf(() => locks.flock(f, 'shared', true))).toBe(Errno.EWOULDBLOCK);
  });
});

describe('lock keys', () => {
  it('come from the inode a file was opened through when it knows its device, without a stat', () => {
    const locks = new FileLocks();
    let stats = 0;
    const opened = (dev: bigint, ino: bigint): OpenFile => ({
      location: { inode: { dev, ino } },
      stat: () => { stats++; return { dev, ino }; },
    }) as unknown as OpenFile;
    const [held, other] = [opened(5n, 9n), opened(5n, 10n)];
    const owner = {};
    locks.set(held, posix(owner, F_WRLCK, 0, 0), false);
    locks.closedBy(owner, other); // another file of the owner: its locks stay
    expect(locks.test(held, posix({}, F_WRLCK, 0, 0))).toMatchObject({ type: F_WRLCK });
    locks.closedBy(owner, opened(5n, 9n)); // a second open file of the locked inode: they go
    expect(locks.test(held, posix({}, F_WRLCK, 0, 0))).toBeNull();
    expect(stats).toBe(0);
  });
});
