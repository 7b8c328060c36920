import * as fs from 'node:fs';
import * as os from 'node:os';
import * as nodePath from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ALL_CAPS, DevFs, Errno, FdTable, FileType, FsContext, KernelError, O_CREAT, O_DIRECTORY, O_EXCL, O_NOFOLLOW,
  O_NONBLOCK, O_RDONLY, O_RDWR, O_TRUNC, O_WRONLY, S_IFCHR, S_IFIFO, S_IFLNK, S_IFMT, S_IFSOCK, Vfs, readDirents64,
  type OpenFile,
} from '@rvisor/linux-object';
import { HostFs } from './host-fs.js';
import type { HostDirectory } from './host-inode.js';
import { errnoOf } from './errno-of.test-helper.js';
import { NodeHostOps } from './node-host-ops.test-helper.js';


function readAll(file: OpenFile): string {
  const buf = new Uint8Array(4096);
  let out = '';
  for (;;) {
    const n = file.read(buf) as number;
    if (n === 0) return out;
    out += new TextDecoder().decode(buf.subarray(0, n));
  }
}

function cat(ctx: FsContext, path: string): string {
  const f = ctx.open(path, O_RDONLY, 0);
  try {
    return readAll(f);
  } finally {
    f.close();
  }
}

function list(file: OpenFile, bufSize = 4096): string[] {
  const buf = new Uint8Array(bufSize);
  const names: string[] = [];
  for (let n = file.getdents64(buf); n > 0; n = file.getdents64(buf)) {
    names.push(...readDirents64(buf, n).map((d) => d.name));
  }
  return names;
}

let tmp: string;
let rootDir: string;

beforeAll(() => {
  tmp = fs.mkdtempSync(nodePath.join(os.tmpdir(), 'hostfs-'));
  rootDir = nodePath.join(tmp, 'rootfs');
  fs.writeFileSync(nodePath.join(tmp, 'secret'), 'host secret\n');
  const mk = (p: string) => fs.mkdirSync(nodePath.join(rootDir, p), { recursive: true });
  const write = (p: string, s: string) => fs.writeFileSync(nodePath.join(rootDir, p), s);
  const link = (p: string, target: string) => fs.symlinkSync(target, nodePath.join(rootDir, p));
  mk('etc');
  mk('bin');
  mk('dev');
  mk('a/b/c');
  mk('big');
  write('etc/hostname', 'box\n');
  write('etc/passwd', 'root:x:0:0:root:/root:/bin/sh\n');
  write('bin/busybox', '\x7fELF');
  write('a/b/c/file', 'deep\n');
  link('bin/sh', 'busybox');
  link('abs', '/etc/passwd');
  link('escape', '../../../../../etc/hostname');
  link('secretlink', '../secret');
  link('hostsecret', nodePath.join(tmp, 'secret'));
  link('loop', 'loop');
  link('etclink', '/etc');
  for (let i = 0; i < 500; i++) write(`big/file-with-a-longish-name-${i}`, '');
});

afterAll(() => {
  fs.rmSync(tmp, { recursive: true, force: true });
});

function setup(maxDirFds?: number, readOnly = false) {
  const ops = new NodeHostOps();
  const hostfs = HostFs.open(ops, rootDir, { maxDirFds, readOnly });
  const vfs = new Vfs(hostfs);
  vfs.mount('/dev', new DevFs());
  const ctx = new FsContext(vfs);
  return { ops, hostfs, vfs, ctx };
}

/** Record, in order, the names of `ops`' calls among `names` (host calls the file system makes). */
function recordCalls(ops: NodeHostOps, names: readonly (keyof NodeHostOps)[]): string[] {
  const calls: string[] = [];
  for (const name of names) {
    const real = (ops[name] as (...args: unknown[]) => unknown).bind(ops);
    (ops as unknown as Record<string, unknown>)[name] = (...args: unknown[]) => {
      calls.push(name);
      return real(...args);
    };
  }
  return calls;
}

describe('HostFs', () => {
  it('creates, renames and removes, reaching renamed directories again', () => {
    const { ctx, vfs, ops } = setup(2);
    const root = ctx.root;
    vfs.mkdir(root, '/w', 0o755);
    vfs.mkdir(root, '/w/d', 0o700);
    vfs.mkdir(root, '/w/d/sub', 0o755);
    expect(vfs.stat(root, '/w/d', true).mode & 0o7777).toBe(0o700);
    expect(errnoOf(() => vfs.mkdir(root, '/w/d', 0o755))).toBe(Errno.EEXIST);
    vfs.symlink('d/sub', root, '/w/l');
    expect(vfs.readlink(root, '/w/l')).toBe('d/sub');
    const sub = vfs.lookup(root, '/w/d/sub', { followLast: true });
    vfs.rename(root, '/w/d', root, '/w/e', 0);
    // Fill the fd cache with other directories, so /w/e/sub must be reopened through its new name.
    for (const d of ['/a', '/etc', '/big']) vfs.lookup(root, `${d}/.`, { followLast: true }).inode.stat();
    expect(sub.inode.stat().ino).toBe(vfs.stat(root, '/w/e/sub', true).ino);
    expect(errnoOf(() => vfs.rename(root, '/w/e', root, '/w/e/sub/x', 0))).toBe(Errno.EINVAL);
    expect(errnoOf(() => vfs.rmdir(root, '/w/e'))).toBe(Errno.ENOTEMPTY);
    expect(errnoOf(() => vfs.unlink(root, '/w/e'))).toBe(Errno.EISDIR);
    expect(errnoOf(() => vfs.rename(root, '/w/l', root, '/dev/l', 0))).toBe(Errno.EXDEV);
    expect(errnoOf(() => vfs.rmdir(root, '/dev'))).toBe(Errno.EBUSY);
    vfs.unlink(root, '/w/l');
    vfs.rmdir(root, '/w/e/sub');
    vfs.rmdir(root, '/w/e');
    vfs.rmdir(root, '/w');
    expect(fs.existsSync(nodePath.join(rootDir, 'w'))).toBe(false);
    expect(ops.names.slice(1).every((n) => !n.includes('/') && n !== '..')).toBe(true);
  });

  it('stats a path with one host fstatat per component, the last one bringing the stat along', () => {
    const { ctx, vfs, ops } = setup();
    const calls = recordCalls(ops, ['fstatat']);
    vfs.stat(ctx.root, '/etc/hostname', true); // opens /etc's fd on the way
    calls.length = 0;
    const s = vfs.stat(ctx.root, '/etc/hostname', true);
    expect(calls.length).toBe(2); // "etc" in /, "hostname" in /etc
    const host = fs.statSync(nodePath.join(rootDir, 'etc/hostname'), { bigint: true });
    expect([s.ino, s.size]).toEqual([host.ino, Number(host.size)]);
    // A symlink: lstat is the link's own, stat follows it.
    expect(vfs.stat(ctx.root, '/etclink', false).mode & S_IFMT).toBe(S_IFLNK);
    expect(vfs.stat(ctx.root, '/etclink', true).ino).toBe(vfs.stat(ctx.root, '/etc', true).ino);
  });

  it('opens a file of an exclusive tree again with the fd its last close kept; a shared tree opens and checks each time', () => {
    for (const exclusive of [true, false]) {
      const ops = new NodeHostOps();
      const vfs = new Vfs(HostFs.open(ops, rootDir, { exclusive }));
      const root = new FsContext(vfs).root;
      const calls = recordCalls(ops, ['openat', 'fstatat', 'lseek', 'close']);
      const first = vfs.open(root, '/etc/hostname', O_RDONLY, 0);
      expect(readAll(first)).toBe('box\n');
      first.close();
      calls.length = 0;
      const f = vfs.open(root, '/etc/hostname', O_RDONLY, 0);
      expect(readAll(f)).toBe('box\n'); // from the start again
      f.close();
      expect(calls).toEqual(exclusive ? [] : ['fstatat', 'fstatat', 'openat', 'fstatat', 'close']);
    }
  });

  it('keeps no fd of a file whose name went, open or kept, so that its blocks are freed', () => {
    const ops = new NodeHostOps();
    const vfs = new Vfs(HostFs.open(ops, rootDir, { exclusive: true }));
    const root = new FsContext(vfs).root;
    const made = (name: string, text: string) => {
      const f = vfs.open(root, name, O_WRONLY | O_CREAT | O_TRUNC, 0o644);
      f.pwrite(new TextEncoder().encode(text), 0);
      f.close();
    };
    try {
      made('/kept-a', 'a1');
      vfs.open(root, '/kept-a', O_RDONLY, 0).close(); // its fd kept
      const closes = recordCalls(ops, ['close', 'openat']);
      vfs.unlink(root, '/kept-a');
      expect(closes).toEqual(['close']); // the kept fd went with the name
      made('/kept-a', 'a2');
      expect(readAll(vfs.open(root, '/kept-a', O_RDONLY, 0))).toBe('a2');

      made('/kept-b', 'b1');
      const open = vfs.open(root, '/kept-b', O_RDONLY, 0);
      made('/other', 'o');
      vfs.rename(root, '/other', root, '/kept-b', 0); // replaces it while open
      closes.length = 0;
      open.close();
      expect(closes).toEqual(['close']); // closed, not kept
      expect(readAll(vfs.open(root, '/kept-b', O_RDONLY, 0))).toBe('o');
    } finally {
      for (const name of ['kept-a', 'kept-b', 'other']) fs.rmSync(nodePath.join(rootDir, name), { force: true });
    }
  });

  it('removes a directory it made in an exclusive tree with only the host rmdir', () => {
    const ops = new NodeHostOps();
    const vfs = new Vfs(HostFs.open(ops, rootDir, { exclusive: true }));
    const root = new FsContext(vfs).root;
    vfs.mkdir(root, '/made', 0o700);
    const calls = recordCalls(ops, ['fstatat', 'unlinkat']);
    vfs.rmdir(root, '/made');
    expect(calls).toEqual(['unlinkat']);
    expect(fs.existsSync(nodePath.join(rootDir, 'made'))).toBe(false);
    expect(errnoOf(() => vfs.rmdir(root, '/made'))).toBe(Errno.ENOENT);
  });

  it('creates and opens a file with one host open, and knows a name it removed is gone', () => {
    const ops = new NodeHostOps();
    const vfs = new Vfs(HostFs.open(ops, rootDir, { exclusive: true }));
    const root = new FsContext(vfs).root;
    vfs.mkdir(root, '/c', 0o755);
    expect(errnoOf(() => vfs.stat(root, '/c/other', false))).toBe(Errno.ENOENT); // opens /c's fd
    const calls = recordCalls(ops, ['openat', 'fstatat', 'fchmod', 'unlinkat']);
    // As the host's creator: the new file is the caller's already, which its one fstat tells.
    const creator = { uid: process.getuid!(), gid: process.getgid!(), groups: [], caps: process.getuid!() === 0 ? ALL_CAPS : 0 };
    const f = vfs.open(root, '/c/new', O_CREAT | O_EXCL | O_RDONLY, 0o640, undefined, creator);
    expect(calls).toEqual(['fstatat', 'openat', 'fstatat']); // the lookup, the open, the new file's stat
    expect(f.stat().mode & 0o7777).toBe(0o640);
    f.close();
    expect(errnoOf(() => vfs.open(root, '/c/new', O_CREAT | O_EXCL | O_RDONLY, 0o640))).toBe(Errno.EEXIST);
    calls.length = 0;
    vfs.unlink(root, '/c/new');
    expect(errnoOf(() => vfs.stat(root, '/c/new', false))).toBe(Errno.ENOENT);
    expect(calls).toEqual(['unlinkat']); // the created file was remembered, its removal too
    expect(fs.existsSync(nodePath.join(rootDir, 'c/new'))).toBe(false);
    vfs.rmdir(root, '/c'); // the tree is as before for the other tests
  });

  it('caches lookups when exclusive: a walk asks the host only for the leaf, and changes through it are seen', () => {
    const ops = new NodeHostOps();
    const vfs = new Vfs(HostFs.open(ops, rootDir, { exclusive: true }));
    const root = new FsContext(vfs).root;
    const calls = recordCalls(ops, ['fstatat']);
    vfs.stat(root, '/etc/hostname', true);
    calls.length = 0;
    expect(vfs.stat(root, '/etc/hostname', true).size).toBe(4);
    expect(calls.length).toBe(1); // the leaf's attributes; /etc came from the cache

    // Every change made through the file system drops what it names from the cache. (Symlinks
    // stand in for files: the test double's openat does not create.)
    vfs.mkdir(root, '/x', 0o755);
    vfs.symlink('one', root, '/x/a');
    const a = vfs.stat(root, '/x/a', false).ino;
    vfs.rename(root, '/x/a', root, '/x/b', 0);
    expect(errnoOf(() => vfs.stat(root, '/x/a', false))).toBe(Errno.ENOENT);
    expect(vfs.stat(root, '/x/b', false).ino).toBe(a);
    expect(vfs.readlink(root, '/x/b')).toBe('one');
    vfs.symlink('two', root, '/x/a'); // a new file under the old name
    expect(vfs.stat(root, '/x/a', false).ino).not.toBe(a);
    expect(vfs.readlink(root, '/x/a')).toBe('two');
    const readlinks = recordCalls(ops, ['readlinkat']);
    expect(vfs.readlink(root, '/x/a')).toBe('two');
    expect(vfs.readlink(root, '/x/b')).toBe('one');
    expect(readlinks).toEqual([]); // a symlink's target, once read, is kept
    vfs.unlink(root, '/x/a');
    vfs.unlink(root, '/x/b');
    vfs.rmdir(root, '/x');
    expect(errnoOf(() => vfs.stat(root, '/x', true))).toBe(Errno.ENOENT);
    vfs.mkdir(root, '/x', 0o700); // same name, new directory
    expect(vfs.stat(root, '/x', true).mode & 0o7777).toBe(0o700);
    vfs.rmdir(root, '/x');

    // A file the host replaced behind its back before its attributes were kept: stat reads the
    // new one's.
    fs.writeFileSync(nodePath.join(rootDir, 'replaced'), 'one');
    expect(vfs.stat(root, '/replaced', true).size).toBe(3);
    fs.rmSync(nodePath.join(rootDir, 'replaced'));
    fs.mkdirSync(nodePath.join(rootDir, 'replaced'));
    expect(vfs.stat(root, '/replaced', true).mode & S_IFMT).toBe(0o040000);
    fs.rmdirSync(nodePath.join(rootDir, 'replaced'));
  });

  it('keeps a file\'s attributes in an exclusive tree until a host call that may change them', () => {
    for (const exclusive of [true, false]) {
      const ops = new NodeHostOps();
      const vfs = new Vfs(HostFs.open(ops, rootDir, { exclusive }));
      const ctx = new FsContext(vfs);
      const stat = () => vfs.stat(ctx.root, '/etc/hostname', true);
      stat();
      const kept = stat();
      const calls = recordCalls(ops, ['fstatat']);
      expect(stat()).toEqual(kept);
      expect(calls.length > 0).toBe(!exclusive); // a shared tree asks the host every time
      cat(ctx, '/etc/passwd'); // a read of any file may move its atime
      calls.length = 0;
      expect(stat()).toEqual(kept);
      expect(calls).toContain('fstatat');
      calls.length = 0;
      stat();
      expect(calls.length > 0).toBe(!exclusive);
    }
  });

  it('keeps an open file\'s fstat in an exclusive tree until a change, made through any fd or path', () => {
    const ops = new NodeHostOps();
    const vfs = new Vfs(HostFs.open(ops, rootDir, { exclusive: true }));
    const ctx = new FsContext(vfs);
    const a = ctx.open('/kept-fstat', O_CREAT | O_RDWR, 0o600);
    const b = ctx.open('/kept-fstat', O_WRONLY, 0);
    const calls = recordCalls(ops, ['fstatat']);
    expect(b.stat().size).toBe(0);
    expect(b.stat().size).toBe(0);
    expect(a.stat().size).toBe(0);
    expect(calls).toEqual(['fstatat']); // b's second was kept, and a kept the stat its create took
    b.pwrite(new TextEncoder().encode('12345'), 0);
    expect(a.stat().size).toBe(5);
    vfs.setAttr(ctx.lookup('/kept-fstat', { followLast: true }), { size: 2 });
    expect(a.stat().size).toBe(2);
    a.close();
    b.close();
    vfs.unlink(ctx.root, '/kept-fstat');
  });

  it('finds a free name for a create without an exception, asking the host once', () => {
    const ops = new NodeHostOps();
    const fsys = HostFs.open(ops, rootDir, { exclusive: true });
    const vfs = new Vfs(fsys);
    const root = new FsContext(vfs).root;
    const dir = fsys.root as HostDirectory;
    const calls = recordCalls(ops, ['fstatat', 'mkdirat', 'unlinkat']);
    expect(dir.find('free')).toBeUndefined();
    expect(dir.find('free')).toBeUndefined(); // remembered
    expect(calls).toEqual(['fstatat']);
    calls.length = 0;
    vfs.mkdir(root, '/free', 0o700);
    expect(dir.find('free')?.type).toBe(FileType.Directory);
    vfs.rmdir(root, '/free');
    vfs.mkdir(root, '/free', 0o700); // the name is known to be free again
    expect(calls).toEqual(['mkdirat', 'fstatat', 'unlinkat', 'mkdirat', 'fstatat']);
    expect(errnoOf(() => vfs.mkdir(root, '/free', 0o700))).toBe(Errno.EEXIST);
    vfs.rmdir(root, '/free');
  });

  it('remembers missing names when exclusive, until the file system makes them, under any path to the directory', () => {
    const ops = new NodeHostOps();
    const vfs = new Vfs(HostFs.open(ops, rootDir, { exclusive: true }));
    const root = new FsContext(vfs).root;
    const calls = recordCalls(ops, ['fstatat']);
    vfs.mkdir(root, '/w', 0o755);
    expect(errnoOf(() => vfs.stat(root, '/w/missing', true))).toBe(Errno.ENOENT);
    calls.length = 0;
    expect(errnoOf(() => vfs.stat(root, '/w/missing', true))).toBe(Errno.ENOENT);
    expect(errnoOf(() => vfs.lookup(root, '/w/missing', { followLast: true }))).toBe(Errno.ENOENT);
    expect(calls.length).toBe(0);

    // The directory as reached before and after a rename: both see a name made through either.
    const before = vfs.lookup(root, '/w', { followLast: true });
    vfs.rename(root, '/w', root, '/v', 0);
    expect(errnoOf(() => vfs.stat(before, 'late', true))).toBe(Errno.ENOENT);
    vfs.symlink('target', root, '/v/late');
    expect(vfs.readlink(before, 'late')).toBe('target');
    vfs.symlink('other', before, 'missing');
    expect(vfs.readlink(root, '/v/missing')).toBe('other');
    vfs.unlink(root, '/v/late');
    vfs.unlink(root, '/v/missing');
    expect(errnoOf(() => vfs.stat(before, 'late', false))).toBe(Errno.ENOENT);
    vfs.rmdir(root, '/v');
  });

  it('lists the root (ls /)', () => {
    const { ctx } = setup();
    const names = list(ctx.open('/', O_RDONLY | O_DIRECTORY, 0)).sort();
    expect(names).toEqual(['.', '..', 'a', 'abs', 'big', 'bin', 'dev', 'escape', 'etc',
      'etclink', 'hostsecret', 'loop', 'secretlink']);
  });

  it('reads a file (cat /etc/hostname) and stats it as the host does', () => {
    const { ctx } = setup();
    const f = ctx.open('/etc/hostname', O_RDONLY, 0);
    expect(readAll(f)).toBe('box\n');
    const host = fs.statSync(nodePath.join(rootDir, 'etc/hostname'), { bigint: true });
    const s = f.stat();
    expect(s.ino).toBe(host.ino);
    expect(s.size).toBe(4);
    expect(ctx.vfs.stat(ctx.root, '/etc/hostname', true).ino).toBe(host.ino);
    f.close();
  });

  it('keeps symlinks and .. inside the root', () => {
    const { ctx, ops } = setup();
    expect(readAll(ctx.open('/abs', O_RDONLY, 0))).toBe('root:x:0:0:root:/root:/bin/sh\n');
    expect(readAll(ctx.open('/escape', O_RDONLY, 0))).toBe('box\n');
    expect(readAll(ctx.open('../../../../etc/hostname', O_RDONLY, 0))).toBe('box\n');
    expect(readAll(ctx.open('/etclink/../etc/hostname', O_RDONLY, 0))).toBe('box\n');
    expect(errnoOf(() => ctx.open('../secret', O_RDONLY, 0))).toBe(Errno.ENOENT);
    expect(errnoOf(() => ctx.open('/secretlink', O_RDONLY, 0))).toBe(Errno.ENOENT);
    expect(errnoOf(() => ctx.open('/hostsecret', O_RDONLY, 0))).toBe(Errno.ENOENT);
    // After opening the root, the host only ever saw single names.
    expect(ops.names[0]).toBe(rootDir);
    expect(ops.names.slice(1).every((n) => !n.includes('/') && n !== '..')).toBe(true);
  });

  it('fails as Linux', () => {
    const { ctx } = setup(undefined, true);
    expect(errnoOf(() => ctx.open('/loop', O_RDONLY, 0))).toBe(Errno.ELOOP);
    expect(errnoOf(() => ctx.open('/bin/sh', O_RDONLY | O_NOFOLLOW, 0))).toBe(Errno.ELOOP);
    expect(errnoOf(() => ctx.open('/etc/hostname/x', O_RDONLY, 0))).toBe(Errno.ENOTDIR);
    expect(errnoOf(() => ctx.open('/etc/hostname', O_RDONLY | O_DIRECTORY, 0))).toBe(Errno.ENOTDIR);
    expect(errnoOf(() => ctx.open('/etc/nothing', O_RDONLY, 0))).toBe(Errno.ENOENT);
    expect(errnoOf(() => ctx.open('/etc', O_WRONLY, 0))).toBe(Errno.EISDIR);
    expect(errnoOf(() => ctx.open('/etc/hostname', O_RDWR, 0))).toBe(Errno.EROFS);
    expect(errnoOf(() => ctx.open('/etc/hostname', O_RDONLY | O_TRUNC, 0))).toBe(Errno.EROFS);
    expect(errnoOf(() => ctx.open('/etc/new', O_WRONLY | O_CREAT, 0o644))).toBe(Errno.EROFS);
    const f = ctx.open('/etc/hostname', O_RDONLY, 0);
    expect(errnoOf(() => f.write(new Uint8Array(1)))).toBe(Errno.EBADF);
    expect(errnoOf(() => f.getdents64(new Uint8Array(64)))).toBe(Errno.ENOTDIR);
  });

  it('makes host FIFOs whose opens share one kernel pipe, never opening the host FIFO', () => {
    const { ctx, vfs, hostfs, ops } = setup();
    const root = ctx.root;
    const dir = vfs.lookup(root, '/a', { followLast: true }).inode as HostDirectory;
    dir.mknod('fifo', S_IFIFO | 0o620);
    const host = fs.lstatSync(nodePath.join(rootDir, 'a/fifo'));
    expect(host.isFIFO()).toBe(true);
    expect(host.mode & 0o7777).toBe(0o620);
    expect(vfs.stat(root, '/a/fifo', false).mode).toBe(S_IFIFO | 0o620);
    expect(errnoOf(() => dir.mknod('fifo', S_IFIFO | 0o600))).toBe(Errno.EEXIST);
    expect(errnoOf(() => dir.mknod('dev', S_IFCHR | 0o600))).toBe(Errno.EPERM);
    expect(errnoOf(() => dir.mknod('sock', S_IFSOCK | 0o600))).toBe(Errno.EPERM);

    const fdsBefore = hostfs.openHostFds;
    const opensBefore = ops.fds.size;
    expect(errnoOf(() => ctx.open('/a/fifo', O_WRONLY | O_NONBLOCK, 0))).toBe(Errno.ENXIO);
    const reader = ctx.open('/a/fifo', O_RDONLY | O_NONBLOCK, 0);
    const writer = ctx.open('/a/fifo', O_WRONLY | O_NONBLOCK, 0);
    expect(writer.write(new TextEncoder().encode('through the fifo'))).toBe(16);
    const buf = new Uint8Array(64);
    expect(reader.read(buf)).toBe(16);
    expect(new TextDecoder().decode(buf.subarray(0, 16))).toBe('through the fifo');
    expect(reader.stat().mode).toBe(S_IFIFO | 0o620);
    expect(hostfs.openHostFds).toBe(fdsBefore);
    expect(ops.fds.size).toBe(opensBefore);
    writer.close();
    reader.close();
    // A new opening after the last close starts empty.
    const again = ctx.open('/a/fifo', O_RDWR, 0);
    expect(again.poll(1)).toBe(0);
    again.close();
    vfs.unlink(root, '/a/fifo');
  });

  it('reads symlinks without following them on the host', () => {
    const { ctx } = setup();
    expect(ctx.vfs.readlink(ctx.root, '/abs')).toBe('/etc/passwd');
    expect(ctx.lookup('/bin/sh', { followLast: false }).inode.type).toBe(FileType.Symlink);
    expect(ctx.lookup('/bin/sh', { followLast: true }).path).toBe('/bin/busybox');
  });

  it('lists a large directory with a small buffer, each entry once, and rewinds', () => {
    const { ctx } = setup();
    const d = ctx.open('/big', O_RDONLY | O_DIRECTORY, 0);
    const names = list(d, 100);
    expect(names.length).toBe(502);
    expect(new Set(names).size).toBe(502);
    expect(d.getdents64(new Uint8Array(100))).toBe(0);
    d.seek(0, 0);
    expect(list(d, 1000).length).toBe(502);
    d.seek(10, 0);
    expect(list(d).length).toBe(492);
    expect(errnoOf(() => d.getdents64(new Uint8Array(10)))).toBeUndefined();
    d.seek(0, 0);
    expect(errnoOf(() => d.getdents64(new Uint8Array(10)))).toBe(Errno.EINVAL);
    d.close();
  });

  it('does not leak host fds over 10 000 opens', () => {
    const { ctx, hostfs, ops } = setup();
    const table = new FdTable();
    const before = hostfs.openHostFds;
    for (let i = 0; i < 10_000; i++) {
      const fd = table.install(ctx.open('/a/b/c/file', O_RDONLY, 0));
      const dup = table.dup(fd);
      table.close(fd);
      table.close(dup);
    }
    expect(hostfs.openHostFds).toBe(before + 3); // a, a/b, a/b/c stay cached
    expect(ops.fds.size).toBe(hostfs.openHostFds);
  });

  it('keeps at most maxDirFds directory fds', () => {
    const { ctx, hostfs, ops } = setup(2);
    expect(cat(ctx, '/a/b/c/file')).toBe('deep\n');
    ctx.chdir('/a/b/c');
    for (let i = 0; i < 3; i++) {
      expect(cat(ctx, 'file')).toBe('deep\n');
      expect(cat(ctx, '/etc/hostname')).toBe('box\n');
    }
    expect(ops.fds.size).toBe(1 + 2); // the root and 2 cached directories
    hostfs.release();
  });

  it('closes everything on release', () => {
    const { ctx, vfs, ops } = setup();
    const f = ctx.open('/etc/passwd', O_RDONLY, 0);
    list(ctx.open('/a/b', O_RDONLY, 0));
    f.close();
    vfs.release();
    // The directory opened for listing above was never closed: that is the only fd left.
    expect(ops.fds.size).toBe(1);
  });

  it('mounts devfs over the rootfs /dev', () => {
    const { ctx } = setup();
    const nul = ctx.open('/dev/null', O_RDWR, 0);
    expect(nul.write(new Uint8Array(10))).toBe(10);
    expect(nul.read(new Uint8Array(10))).toBe(0);
    expect(ctx.lookup('/dev/../etc/hostname', { followLast: true }).path).toBe('/etc/hostname');
  });
});
