import { FakePhysicalMemory, PmemAllocator } from '@rvisor/zircon-object';
import { describe, expect, it } from 'vitest';
import {
  O_CREAT, O_DIRECTORY, O_EXCL, O_NOFOLLOW, O_PATH, O_RDONLY, O_RDWR, O_TRUNC, O_WRONLY, RESOLVE_BENEATH,
  RESOLVE_IN_ROOT, RESOLVE_NO_SYMLINKS, RESOLVE_NO_XDEV,
} from '../abi/fcntl.js';
import { Errno, KernelError } from '../errno.js';
import { S_ISGID } from '../abi/mode.js';
import { DevFs } from './devfs.js';
import { FileType } from './file-type.js';
import { FsContext } from './fs-context.js';
import { MemFs } from './memfs.test-helper.js';
import type { PathRef } from './path-ref.js';
import { Vfs } from './vfs.js';
import { errnoOf } from './errno-of.test-helper.js';
import { TmpFile, TmpFs } from './tmpfs.js';
import { ALL_CAPS } from '../process/capabilities.js';


function makeVfs(): Vfs {
  const fs = new MemFs({
    etc: { hostname: 'box\n', passwd: 'root:x:0:0\n' },
    bin: { busybox: 'ELF', sh: { link: 'busybox' } },
    abs: { link: '/etc/passwd' },
    escape: { link: '../../../../etc/hostname' },
    loop1: { link: 'loop2' },
    loop2: { link: 'loop1' },
    dangling: { link: '/nowhere' },
    empty: { link: '' },
    dirlink: { link: 'etc' },
    dev: {},
    home: { user: { notes: 'x' } },
  });
  const vfs = new Vfs(fs);
  vfs.mount('/dev', new DevFs());
  return vfs;
}

describe('Vfs.lookup', () => {
  const vfs = makeVfs();
  const root = vfs.root;
  const look = (p: string, followLast = true) => vfs.lookup(root, p, { followLast });

  it('resolves absolute and relative paths to canonical paths', () => {
    expect(look('/etc/hostname').path).toBe('/etc/hostname');
    expect(look('etc//./hostname').path).toBe('/etc/hostname');
    expect(look('/home/user/../user/notes').path).toBe('/home/user/notes');
    expect(look('/').path).toBe('/');
  });

  it('keeps .. at the root', () => {
    expect(look('/../../..').path).toBe('/');
    expect(look('../../../../etc/hostname').path).toBe('/etc/hostname');
  });

  it('resolves symlinks inside the container root', () => {
    expect(look('/abs').path).toBe('/etc/passwd');
    expect(look('/escape').path).toBe('/etc/hostname');
    expect(look('/bin/sh').path).toBe('/bin/busybox');
    expect(look('/bin/sh', false).inode.type).toBe(FileType.Symlink);
    expect(look('/dirlink/hostname').path).toBe('/etc/hostname');
  });

  it('fails as Linux', () => {
    expect(errnoOf(() => look('/loop1'))).toBe(Errno.ELOOP);
    expect(errnoOf(() => look('/loop1', false))).toBeUndefined();
    expect(errnoOf(() => look('/loop1/x', false))).toBe(Errno.ELOOP);
    expect(errnoOf(() => look('/etc/hostname/x'))).toBe(Errno.ENOTDIR);
    expect(errnoOf(() => look('/etc/hostname/.'))).toBe(Errno.ENOTDIR);
    expect(errnoOf(() => look('/etc/hostname/'))).toBe(Errno.ENOTDIR);
    expect(errnoOf(() => look('/nonexistent/x'))).toBe(Errno.ENOENT);
    expect(errnoOf(() => look('/dangling'))).toBe(Errno.ENOENT);
    expect(errnoOf(() => look('/empty'))).toBe(Errno.ENOENT);
    expect(errnoOf(() => look(''))).toBe(Errno.ENOENT);
    expect(errnoOf(() => look(`/${'a'.repeat(256)}`))).toBe(Errno.ENAMETOOLONG);
    expect(errnoOf(() => look(`/${'a/'.repeat(2048)}`))).toBe(Errno.ENAMETOOLONG);
    expect(errnoOf(() => vfs.lookup(root, '/etc/hostname', { followLast: true, directory: true })))
      .toBe(Errno.ENOTDIR);
  });

  it('gives up after 40 symlinks', () => {
    const tree: Record<string, { link: string }> = {};
    for (let i = 0; i < 41; i++) tree[`l${i}`] = { link: `l${i + 1}` };
    const deep = new Vfs(new MemFs({ ...tree, l41: 'end' }));
    expect(deep.lookup(deep.root, '/l1', { followLast: true }).path).toBe('/l41');
    expect(errnoOf(() => deep.lookup(deep.root, '/l0', { followLast: true }))).toBe(Errno.ELOOP);
  });

  it('crosses mounts both ways', () => {
    const nul = look('/dev/null');
    expect(nul.inode.type).toBe(FileType.CharDevice);
    expect(nul.mount.path).toBe('/dev');
    expect(errnoOf(() => vfs.lookup(nul, '..', { followLast: true }))).toBe(Errno.ENOTDIR);
    const up = vfs.lookup(look('/dev'), '../etc', { followLast: true });
    expect(up.path).toBe('/etc');
    expect(up.mount.path).toBe('/');
  });

  it('confines a chrooted process to its root', () => {
    const ctx = new FsContext(vfs);
    ctx.chroot('/home');
    ctx.chdir('/user');
    expect(ctx.getcwd()).toBe('/user');
    expect(ctx.lookup('../../../..', { followLast: true }).path).toBe('/home');
  });
});

describe('openat2 resolve flags', () => {
  const vfs = makeVfs();
  const root = vfs.root;
  const look = (start: PathRef, p: string, resolve: number, followLast = true) =>
    vfs.lookup(start, p, { followLast, resolve, root: (resolve & (RESOLVE_BENEATH | RESOLVE_IN_ROOT)) !== 0 ? start : root });
  const etc = vfs.lookup(root, '/etc', { followLast: true });
  const dev = vfs.lookup(root, '/dev', { followLast: true });

  it('RESOLVE_NO_SYMLINKS refuses every symlink followed, not one named', () => {
    expect(errnoOf(() => look(root, 'bin/sh', RESOLVE_NO_SYMLINKS))).toBe(Errno.ELOOP);
    expect(errnoOf(() => look(root, 'dirlink/hostname', RESOLVE_NO_SYMLINKS))).toBe(Errno.ELOOP);
    expect(look(root, 'bin/sh', RESOLVE_NO_SYMLINKS, false).inode.type).toBe(FileType.Symlink);
  });

  it('RESOLVE_NO_XDEV refuses crossing a mount either way', () => {
    expect(errnoOf(() => look(root, 'dev/null', RESOLVE_NO_XDEV))).toBe(Errno.EXDEV);
    expect(errnoOf(() => look(root, 'dev', RESOLVE_NO_XDEV, false))).toBe(Errno.EXDEV);
    expect(errnoOf(() => look(dev, '..', RESOLVE_NO_XDEV))).toBe(Errno.EXDEV);
    expect(look(dev, '/etc/hostname', RESOLVE_NO_XDEV).path).toBe('/etc/hostname');
    expect(look(root, '..', RESOLVE_NO_XDEV).path).toBe('/');
  });

  it('RESOLVE_NO_XDEV refuses an absolute symlink until the root is known, as Linux', () => {
    expect(errnoOf(() => look(root, 'abs', RESOLVE_NO_XDEV))).toBe(Errno.EXDEV);
    expect(look(root, '/abs', RESOLVE_NO_XDEV).path).toBe('/etc/passwd');
    expect(look(root, 'etc/../abs', RESOLVE_NO_XDEV).path).toBe('/etc/passwd');
  });

  it('RESOLVE_BENEATH keeps the walk below its start', () => {
    expect(look(etc, 'passwd', RESOLVE_BENEATH).path).toBe('/etc/passwd');
    expect(errnoOf(() => look(etc, '../etc/passwd', RESOLVE_BENEATH))).toBe(Errno.EXDEV);
    expect(errnoOf(() => look(etc, '/etc/passwd', RESOLVE_BENEATH))).toBe(Errno.EXDEV);
    expect(errnoOf(() => look(root, 'abs', RESOLVE_BENEATH))).toBe(Errno.EXDEV);
    expect(errnoOf(() => vfs.open(etc, '../new', O_CREAT | O_WRONLY, 0o600, undefined, undefined, RESOLVE_BENEATH)))
      .toBe(Errno.EXDEV);
  });

  it('RESOLVE_IN_ROOT makes the start the root', () => {
    const home = vfs.lookup(root, '/home', { followLast: true });
    expect(look(home, '/user/notes', RESOLVE_IN_ROOT).path).toBe('/home/user/notes');
    expect(look(home, '../../user/notes', RESOLVE_IN_ROOT).path).toBe('/home/user/notes');
    expect(errnoOf(() => look(home, '/etc', RESOLVE_IN_ROOT))).toBe(Errno.ENOENT);
    const file = vfs.open(home, '/user/notes', O_RDONLY, 0, undefined, undefined, RESOLVE_IN_ROOT);
    expect(file.location?.path).toBe('/home/user/notes');
  });
});

describe('Vfs.open', () => {
  it('truncates an existing file for O_TRUNC, but not one the same open created (as Linux)', () => {
    const tmp = new Vfs(new TmpFs({ allocator: new PmemAllocator(new FakePhysicalMemory()) }));
    const truncated: number[] = [];
    const truncate = TmpFile.prototype.truncate;
    TmpFile.prototype.truncate = function (this: TmpFile, size: number) {
      truncated.push(size);
      return truncate.call(this, size);
    };
    try {
      const flags = O_WRONLY | O_CREAT | O_TRUNC;
      tmp.open(tmp.root, '/f', flags, 0o644).write(new TextEncoder().encode('data'));
      expect(truncated).toEqual([]);
      tmp.open(tmp.root, '/f', flags, 0o644);
      expect(truncated).toEqual([0]);
      expect(tmp.stat(tmp.root, '/f', true).size).toBe(0);
    } finally {
      TmpFile.prototype.truncate = truncate;
    }
  });

  it('gives a new file its creator, and the group of a set-group-ID directory (tmpfs)', () => {
    const tmp = new Vfs(new TmpFs({ allocator: new PmemAllocator(new FakePhysicalMemory()) }));
    const root = tmp.root;
    tmp.mkdir(root, '/g', 0o777);
    tmp.setAttr(tmp.lookup(root, '/g', { followLast: true }), { gid: 50, mode: 0o2777 });
    const user = { uid: 1000, gid: 100, groups: [], caps: 0 };
    const owner = (p: string) => {
      const st = tmp.stat(root, p, false);
      return [st.uid, st.gid, st.mode & S_ISGID];
    };
    tmp.open(root, '/g/f', O_WRONLY | O_CREAT, 0o644, undefined, user).close();
    tmp.mkdir(root, '/g/d', 0o755, undefined, user);
    tmp.open(root, '/plain', O_WRONLY | O_CREAT, 0o644, undefined, user).close();
    tmp.open(root, '/g/byroot', O_WRONLY | O_CREAT, 0o644, undefined, { uid: 0, gid: 0, groups: [], caps: ALL_CAPS }).close();
    expect([owner('/g/f'), owner('/g/d'), owner('/plain'), owner('/g/byroot')]).toEqual([
      [1000, 50, 0], [1000, 50, S_ISGID], [1000, 100, 0], [0, 50, 0],
    ]);
  });

  const vfs = makeVfs();
  const root = vfs.root;
  const open = (p: string, flags: number) => vfs.open(root, p, flags, 0o644);

  it('opens files and reads them', () => {
    const f = open('/escape', O_RDONLY);
    const buf = new Uint8Array(16);
    expect(f.read(buf)).toBe(4);
    expect(new TextDecoder().decode(buf.subarray(0, 4))).toBe('box\n');
    expect(f.path).toBe('/etc/hostname');
    expect(f.location?.path).toBe('/etc/hostname');
  });

  it('checks flags as Linux', () => {
    expect(errnoOf(() => open('/bin/sh', O_RDONLY | O_NOFOLLOW))).toBe(Errno.ELOOP);
    expect(errnoOf(() => open('/dirlink/', O_RDONLY | O_NOFOLLOW))).toBeUndefined();
    expect(errnoOf(() => open('/etc/hostname', O_RDONLY | O_DIRECTORY))).toBe(Errno.ENOTDIR);
    expect(errnoOf(() => open('/etc', O_RDWR))).toBe(Errno.EISDIR);
    expect(errnoOf(() => open('/etc', O_RDONLY | O_TRUNC))).toBe(Errno.EISDIR);
    expect(errnoOf(() => open('/etc', O_RDONLY | O_CREAT))).toBe(Errno.EISDIR);
    expect(errnoOf(() => open('/etc', O_RDONLY | O_CREAT | O_DIRECTORY))).toBe(Errno.EINVAL);
    expect(errnoOf(() => open('/tmp/x', O_RDONLY | O_CREAT | O_DIRECTORY))).toBe(Errno.EINVAL);
    expect(errnoOf(() => open('/nonexistent/', O_RDONLY | O_CREAT))).toBe(Errno.EISDIR);
    expect(errnoOf(() => open('/abs', O_RDONLY | O_CREAT | O_EXCL))).toBe(Errno.EEXIST);
    expect(errnoOf(() => open('/etc/new', O_WRONLY | O_CREAT))).toBe(Errno.EROFS);
    expect(errnoOf(() => open('/etc/hostname', O_WRONLY))).toBe(Errno.EROFS);
  });

  it('O_PATH names a symlink without opening it', () => {
    const f = open('/bin/sh', O_PATH | O_NOFOLLOW);
    expect(f.location?.inode.type).toBe(FileType.Symlink);
    expect(errnoOf(() => f.read(new Uint8Array(1)))).toBe(Errno.EBADF);
    expect(f.statusFlags).toBe(O_PATH | O_NOFOLLOW);
  });

  it('lists directories with getdents64 across calls', () => {
    const d = open('/etc', O_RDONLY | O_DIRECTORY);
    const names: string[] = [];
    const buf = new Uint8Array(32); // one record per call
    for (let n = d.getdents64(buf); n > 0; n = d.getdents64(buf)) {
      names.push(new TextDecoder().decode(buf.subarray(19, buf.indexOf(0, 19))));
    }
    expect(names).toEqual(['.', '..', 'hostname', 'passwd']);
    expect(errnoOf(() => d.getdents64(new Uint8Array(8)))).toBeUndefined(); // at the end: 0
    d.seek(0, 0);
    expect(errnoOf(() => d.getdents64(new Uint8Array(8)))).toBe(Errno.EINVAL);
  });

  it('stat, readlink, access', () => {
    expect(vfs.readlink(root, '/bin/sh')).toBe('busybox');
    expect(errnoOf(() => vfs.readlink(root, '/etc'))).toBe(Errno.EINVAL);
    expect(vfs.stat(root, '/bin/sh', false).mode & 0o170000).toBe(0o120000);
    expect(vfs.stat(root, '/bin/sh', true).mode & 0o170000).toBe(0o100000);
    expect(errnoOf(() => vfs.access(root, '/etc/hostname', 2))).toBe(Errno.EROFS);
    expect(errnoOf(() => vfs.access(root, '/etc/hostname', 1))).toBe(Errno.EACCES);
    expect(errnoOf(() => vfs.access(root, '/etc', 1))).toBeUndefined();
  });
});

describe('a read-only mount', () => {
  const vfs = makeVfs(); // its root file system is read-only; /dev is not
  const root = vfs.root;

  it('answers EROFS before looking up the name unlink, rmdir and rename change, as Linux', () => {
    expect(errnoOf(() => vfs.unlink(root, '/etc/missing'))).toBe(Errno.EROFS);
    expect(errnoOf(() => vfs.rmdir(root, '/etc/missing'))).toBe(Errno.EROFS);
    expect(errnoOf(() => vfs.rename(root, '/etc/missing', root, '/etc/new', 0))).toBe(Errno.EROFS);
    expect(errnoOf(() => vfs.unlink(root, '/etc/.'))).toBe(Errno.EISDIR); // the kind of name comes first
    expect(errnoOf(() => vfs.rename(root, '/dev/null', root, '/etc/new', 0))).toBe(Errno.EXDEV);
  });

  it('answers a link from another mount EROFS, and ENOENT for a new name ending in /, before EXDEV', () => {
    expect(errnoOf(() => vfs.link(root, '/dev/null', root, '/etc/new', false))).toBe(Errno.EROFS);
    expect(errnoOf(() => vfs.link(root, '/dev/null', root, '/etc/new/', false))).toBe(Errno.ENOENT);
    expect(errnoOf(() => vfs.link(root, '/dev/null', root, '/etc/passwd', false))).toBe(Errno.EEXIST);
  });

  it('refuses to open a regular file for writing, and not for reading', () => {
    expect(errnoOf(() => vfs.open(root, '/etc/hostname', O_RDWR, 0))).toBe(Errno.EROFS);
    expect(errnoOf(() => vfs.open(root, '/etc/hostname', O_RDONLY | O_TRUNC, 0))).toBe(Errno.EROFS);
    expect(errnoOf(() => vfs.open(root, '/etc/hostname', O_RDONLY | O_CREAT, 0))).toBeUndefined();
    expect(errnoOf(() => vfs.open(root, '/dev/null', O_WRONLY, 0))).toBeUndefined();
  });
});
