import { describe, expect, it } from 'vitest';
import { Errno, KernelError } from '../errno.js';
import {
  ALL_CAPS, CAP_CHOWN, CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH, CAP_FOWNER, CAP_FSETID, capDifference, capSet,
} from '../process/capabilities.js';
import { MAY_EXEC, MAY_READ, MAY_WRITE, checkSetAttr, checkSticky, mayAccess } from './permission.js';

const user = { uid: 1000, gid: 1000, groups: [2000], caps: 0 };
const root = { uid: 0, gid: 0, groups: [], caps: ALL_CAPS };
const rootWithout = (...caps: number[]) => ({ ...root, caps: caps.reduce((set, cap) => capDifference(set, capSet(cap)), ALL_CAPS) });
const file = (mode: number, uid = 0, gid = 0) => ({ mode: 0o100000 | mode, uid, gid });
const dir = (mode: number, uid = 0, gid = 0) => ({ mode: 0o040000 | mode, uid, gid });

function errnoOf(fn: () => unknown): number | undefined {
  try {
    fn();
    return undefined;
  } catch (e) {
    return e instanceof KernelError ? e.errno : -1;
  }
}

describe('mayAccess', () => {
  it('uses only the owner bits for the owner', () => {
    expect(mayAccess(user, file(0o077, 1000), MAY_READ)).toBe(false);
    expect(mayAccess(user, file(0o600, 1000), MAY_READ | MAY_WRITE)).toBe(true);
  });
  it('uses the group bits for the file group and supplementary groups', () => {
    expect(mayAccess(user, file(0o060, 0, 2000), MAY_READ | MAY_WRITE)).toBe(true);
    expect(mayAccess(user, file(0o604, 0, 1000), MAY_READ)).toBe(false);
  });
  it('lets root past everything but exec of a file with no x bit', () => {
    expect(mayAccess(root, file(0o000), MAY_READ | MAY_WRITE)).toBe(true);
    expect(mayAccess(root, file(0o644), MAY_EXEC)).toBe(false);
    expect(mayAccess(root, file(0o001), MAY_EXEC)).toBe(true);
    expect(mayAccess(root, dir(0o000), MAY_EXEC)).toBe(true);
  });
  it('takes root\'s reach from its capabilities: without CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH still reads and searches', () => {
    const noOverride = rootWithout(CAP_DAC_OVERRIDE);
    expect(mayAccess(noOverride, file(0o000, 5), MAY_READ)).toBe(true);
    expect(mayAccess(noOverride, file(0o000, 5), MAY_WRITE)).toBe(false);
    expect(mayAccess(noOverride, dir(0o000, 5), MAY_READ | MAY_EXEC)).toBe(true);
    expect(mayAccess(noOverride, dir(0o000, 5), MAY_WRITE)).toBe(false);
    const neither = rootWithout(CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH);
    expect(mayAccess(neither, file(0o000, 5), MAY_READ)).toBe(false);
    expect(mayAccess(neither, file(0o000, 0), MAY_READ)).toBe(false); // owner bits 0: the owner is refused too
    expect(mayAccess({ ...user, caps: capSet(CAP_DAC_OVERRIDE) }, file(0o000), MAY_WRITE)).toBe(true);
  });
});

describe('checkSticky', () => {
  it('lets only the file owner, the directory owner or root remove', () => {
    expect(errnoOf(() => checkSticky(user, dir(0o1777), file(0o666)))).toBe(Errno.EPERM);
    expect(errnoOf(() => checkSticky(user, dir(0o1777), file(0o666, 1000)))).toBeUndefined();
    expect(errnoOf(() => checkSticky(user, dir(0o1777, 1000), file(0o666)))).toBeUndefined();
    expect(errnoOf(() => checkSticky(root, dir(0o1777), file(0o666, 5)))).toBeUndefined();
    expect(errnoOf(() => checkSticky(rootWithout(CAP_FOWNER), dir(0o1777, 5), file(0o666, 5)))).toBe(Errno.EPERM);
  });
});

describe('checkSetAttr', () => {
  it('refuses chmod and chown to others than the owner', () => {
    expect(errnoOf(() => checkSetAttr(user, () => file(0o644), { mode: 0o600 }))).toBe(Errno.EPERM);
    expect(errnoOf(() => checkSetAttr(user, () => file(0o644, 1000), { uid: 0 }))).toBe(Errno.EPERM);
    expect(errnoOf(() => checkSetAttr(user, () => file(0o644, 1000, 1000), { gid: 2000 }))).toBeUndefined();
    expect(errnoOf(() => checkSetAttr(user, () => file(0o644, 1000, 1000), { gid: 0 }))).toBe(Errno.EPERM);
  });
  it('lets CAP_CHOWN give files away, CAP_FOWNER act as the owner, and CAP_FSETID keep S_ISGID', () => {
    expect(errnoOf(() => checkSetAttr(rootWithout(CAP_CHOWN), () => file(0o644, 5), { uid: 7 }))).toBe(Errno.EPERM);
    expect(errnoOf(() => checkSetAttr({ ...user, caps: capSet(CAP_CHOWN) }, () => file(0o644, 5), { uid: 7, gid: 9 }))).toBeUndefined();
    expect(errnoOf(() => checkSetAttr(rootWithout(CAP_FOWNER), () => file(0o644, 5), { mode: 0o600 }))).toBe(Errno.EPERM);
    expect(errnoOf(() => checkSetAttr({ ...user, caps: capSet(CAP_FOWNER) }, () => file(0o644, 5), { mode: 0o600 }))).toBeUndefined();
    expect(checkSetAttr(rootWithout(CAP_FSETID), () => file(0o644, 0, 7), { mode: 0o2755 }).mode).toBe(0o755);
    expect(checkSetAttr(root, () => file(0o644, 0, 7), { mode: 0o2755 }).mode).toBe(0o2755);
  });
  it('clears S_ISGID when the owner is not in the file group', () => {
    expect(checkSetAttr(user, () => file(0o644, 1000, 0), { mode: 0o2755 }).mode).toBe(0o755);
    expect(checkSetAttr(user, () => file(0o644, 1000, 1000), { mode: 0o2755 }).mode).toBe(0o2755);
  });
  it('needs ownership for explicit times and write permission for now', () => {
    const t = { sec: 1, nsec: 0 };
    expect(errnoOf(() => checkSetAttr(user, () => file(0o666), { atime: t }))).toBe(Errno.EPERM);
    expect(errnoOf(() => checkSetAttr(user, () => file(0o644), { atime: 'now', mtime: 'now' }))).toBe(Errno.EACCES);
    expect(errnoOf(() => checkSetAttr(user, () => file(0o666), { atime: 'now', mtime: 'now' }))).toBeUndefined();
  });
});
