// HostOps for tests, over Node's fs. Node has no fd-relative openat, so every fd is mapped to the
// host path it was opened at and (dirfd, name) is resolved by joining them: good enough to test
// hostfs's logic, not a confinement mechanism. It also checks that hostfs only ever passes single
// names, and records every call.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import { constants as osConstants } from 'node:os';
import * as nodePath from 'node:path';
import {
  AT_EMPTY_PATH, AT_FDCWD, AT_SYMLINK_NOFOLLOW, O_ACCMODE, O_CREAT, O_DIRECTORY, O_EXCL, O_NOFOLLOW,
  O_PATH, S_IFMT,
  SEEK_CUR, SEEK_END, SEEK_SET, modeToDirentType, statCodec, writeDirent64, type Stat,
} from '@rvisor/linux-object';
import type { HostOps } from './host-ops.js';

interface Entry {
  path: string;
  nodeFd?: number;
  pos: number;
  isDir: boolean;
}

const E = osConstants.errno;

function errnoOf(e: unknown): number {
  const code = (e as NodeJS.ErrnoException).code;
  const n = code !== undefined ? (E as Record<string, number>)[code] : undefined;
  if (n === undefined) throw e;
  return -n;
}

function toStat(s: fs.BigIntStats): Stat {
  const ts = (ns: bigint) => ({ sec: Number(ns / 1_000_000_000n), nsec: Number(ns % 1_000_000_000n) });
  return {
    dev: s.dev, ino: s.ino, mode: Number(s.mode), nlink: Number(s.nlink), uid: Number(s.uid),
    gid: Number(s.gid), rdev: s.rdev, size: Number(s.size), blksize: Number(s.blksize),
    blocks: Number(s.blocks), atime: ts(s.atimeNs), mtime: ts(s.mtimeNs), ctime: ts(s.ctimeNs),
  };
}

export class NodeHostOps implements HostOps {
  readonly fds = new Map<number, Entry>();
  readonly names: string[] = [];
  #next = 1000;

  #base(dirfd: number): string | number {
    if (dirfd === AT_FDCWD) return process.cwd();
    const e = this.fds.get(dirfd);
    return e === undefined ? -E.EBADF : e.path;
  }

  #resolve(dirfd: number, name: string): string | number {
    this.names.push(name);
    if (name.includes('/') && dirfd !== AT_FDCWD) throw new Error(`multi-component name ${name}`);
    if (name === '..') throw new Error('".." reached the host');
    const base = this.#base(dirfd);
    return typeof base === 'number' ? base : nodePath.resolve(base, name);
  }

  openat(dirfd: number, path: string, flags: number, mode: number): number {
    const full = this.#resolve(dirfd, path);
    if (typeof full === 'number') return full;
    try {
      if ((flags & O_CREAT) !== 0) {
        const nodeFd = fs.openSync(full, flags & (O_CREAT | O_EXCL | O_ACCMODE), mode);
        const fd = this.#next++;
        this.fds.set(fd, { path: full, nodeFd, pos: 0, isDir: false });
        return fd;
      }
      let st = fs.lstatSync(full);
      if (st.isSymbolicLink()) {
        if ((flags & O_NOFOLLOW) !== 0) {
          if ((flags & O_DIRECTORY) !== 0) return -E.ENOTDIR;
          if ((flags & O_PATH) === 0) return -E.ELOOP;
        } else {
          st = fs.statSync(full);
        }
      }
      if ((flags & O_DIRECTORY) !== 0 && !st.isDirectory()) return -E.ENOTDIR;
      const entry: Entry = { path: full, pos: 0, isDir: st.isDirectory() };
      if ((flags & O_PATH) === 0 && !st.isDirectory()) entry.nodeFd = fs.openSync(full, (flags & O_ACCMODE) === 0 ? 'r' : 'r+');
      const fd = this.#next++;
      this.fds.set(fd, entry);
      return fd;
    } catch (e) {
      return errnoOf(e);
    }
  }

  close(fd: number): number {
    const e = this.fds.get(fd);
    if (e === undefined) return -E.EBADF;
    if (e.nodeFd !== undefined) fs.closeSync(e.nodeFd);
    this.fds.delete(fd);
    return 0;
  }

  fstatat(dirfd: number, path: string, flags: number, statBuf: Uint8Array): number {
    const full = path === '' && (flags & AT_EMPTY_PATH) !== 0 ? this.#base(dirfd) : this.#resolve(dirfd, path);
    if (typeof full === 'number') return full;
    try {
      const s = (flags & AT_SYMLINK_NOFOLLOW) !== 0
        ? fs.lstatSync(full, { bigint: true }) : fs.statSync(full, { bigint: true });
      statCodec.write(new DataView(statBuf.buffer, statBuf.byteOffset), 0, toStat(s));
      return 0;
    } catch (e) {
      return errnoOf(e);
    }
  }

  getdents64(fd: number, buf: Uint8Array): number {
    const e = this.fds.get(fd);
    if (e === undefined) return -E.EBADF;
    if (!e.isDir) return -E.ENOTDIR;
    const names = ['.', '..', ...fs.readdirSync(e.path)];
    let bytes = 0;
    for (; e.pos < names.length; e.pos++) {
      const name = names[e.pos];
      const s = fs.lstatSync(nodePath.join(e.path, name), { bigint: true });
      const n = writeDirent64(buf, bytes, {
        ino: s.ino, off: BigInt(e.pos + 1), type: modeToDirentType(Number(s.mode) & S_IFMT), name,
      });
      if (n === 0) break;
      bytes += n;
    }
    if (bytes === 0 && e.pos < names.length) return -E.EINVAL;
    return bytes;
  }

  readlinkat(dirfd: number, path: string, buf: Uint8Array): number {
    const full = this.#resolve(dirfd, path);
    if (typeof full === 'number') return full;
    try {
      const target = fs.readlinkSync(full, { encoding: 'buffer' });
      const n = Math.min(target.length, buf.length);
      buf.set(target.subarray(0, n));
      return n;
    } catch (e) {
      return errnoOf(e);
    }
  }

  #file(fd: number): Entry | number {
    const e = this.fds.get(fd);
    if (e === undefined || e.nodeFd === undefined) return e?.isDir ? -E.EISDIR : -E.EBADF;
    return e;
  }

  read(fd: number, buf: Uint8Array): number {
    const e = this.#file(fd);
    if (typeof e === 'number') return e;
    const n = fs.readSync(e.nodeFd!, buf, 0, buf.length, e.pos);
    e.pos += n;
    return n;
  }

  write(_fd: number, _buf: Uint8Array): number {
    return -E.EBADF;
  }

  pread(fd: number, buf: Uint8Array, offset: number): number {
    const e = this.#file(fd);
    if (typeof e === 'number') return e;
    return fs.readSync(e.nodeFd!, buf, 0, buf.length, offset);
  }

  pwrite(fd: number, buf: Uint8Array, offset: number): number {
    const e = this.#file(fd);
    if (typeof e === 'number') return e;
    return fs.writeSync(e.nodeFd!, buf, 0, buf.length, offset);
  }

  lseek(fd: number, offset: number, whence: number): number {
    const e = this.fds.get(fd);
    if (e === undefined) return -E.EBADF;
    const size = e.isDir ? 0 : fs.fstatSync(e.nodeFd!).size;
    const base = whence === SEEK_SET ? 0 : whence === SEEK_CUR ? e.pos : whence === SEEK_END ? size : NaN;
    if (Number.isNaN(base) || base + offset < 0) return -E.EINVAL;
    e.pos = base + offset;
    return e.pos;
  }

  pollNow(_fd: number, events: number): number {
    return events & 5;
  }

  ioctl(_fd: number, _request: number, _arg: Uint8Array): number {
    return -E.ENOTTY;
  }

  // Changes: the few a unit test needs, by host path; the rest answer ENOSYS.
  #pathCall(dirfd: number, path: string, f: (full: string) => void): number {
    const full = this.#resolve(dirfd, path);
    if (typeof full === 'number') return full;
    try {
      f(full);
      return 0;
    } catch (e) {
      return errnoOf(e);
    }
  }

  mkdirat(dirfd: number, path: string, mode: number): number {
    return this.#pathCall(dirfd, path, (p) => fs.mkdirSync(p, { mode }));
  }

  mknodat(dirfd: number, path: string, mode: number, _dev: number): number {
    // Node cannot make a FIFO: mkfifo(1) does, after the EEXIST check it would not report as errno.
    return this.#pathCall(dirfd, path, (p) => {
      if (fs.existsSync(p)) throw Object.assign(new Error('exists'), { code: 'EEXIST' });
      if ((mode & S_IFMT) !== 0o010000) throw Object.assign(new Error('not a FIFO'), { code: 'EPERM' });
      execFileSync('mkfifo', ['-m', (mode & 0o7777).toString(8), p]);
    });
  }

  unlinkat(dirfd: number, path: string, flags: number): number {
    return this.#pathCall(dirfd, path, (p) => ((flags & 0x200) !== 0 ? fs.rmdirSync(p) : fs.unlinkSync(p)));
  }

  renameat2(olddirfd: number, oldpath: string, newdirfd: number, newpath: string, flags: number): number {
    if (flags !== 0) return -E.EINVAL;
    const to = this.#resolve(newdirfd, newpath);
    if (typeof to === 'number') return to;
    return this.#pathCall(olddirfd, oldpath, (p) => {
      fs.renameSync(p, to);
      // As on Linux, open fds follow what they name (here: their recorded paths move along).
      for (const e of this.fds.values()) {
        if (e.path === p || e.path.startsWith(p + '/')) e.path = to + e.path.slice(p.length);
      }
    });
  }

  symlinkat(target: string, newdirfd: number, linkpath: string): number {
    return this.#pathCall(newdirfd, linkpath, (p) => fs.symlinkSync(target, p));
  }

  linkat(olddirfd: number, oldpath: string, newdirfd: number, newpath: string, _flags: number): number {
    const to = this.#resolve(newdirfd, newpath);
    if (typeof to === 'number') return to;
    return this.#pathCall(olddirfd, oldpath, (p) => fs.linkSync(p, to));
  }

  fchmodat(dirfd: number, path: string, mode: number, _flags: number): number {
    return this.#pathCall(dirfd, path, (p) => fs.chmodSync(p, mode));
  }

  fchmod(fd: number, mode: number): number {
    const e = this.fds.get(fd);
    if (e === undefined) return -E.EBADF;
    fs.chmodSync(e.path, mode);
    return 0;
  }

  fchownat(): number { return -E.ENOSYS; }
  ftruncate(fd: number, size: number): number {
    const e = this.#file(fd);
    if (typeof e === 'number') return e;
    fs.ftruncateSync(e.nodeFd!, size);
    return 0;
  }
  fallocate(): number { return -E.ENOSYS; }
  utimensat(): number { return -E.ENOSYS; }
  fsync(): number { return 0; }
  fdatasync(): number { return 0; }
  syncfs(): number { return 0; }
  fstatfs(): number { return -E.ENOSYS; }
  // Node has no extended attributes.
  getxattrat(): number { return -E.EOPNOTSUPP; }
  setxattrat(): number { return -E.EOPNOTSUPP; }
  listxattrat(): number { return -E.EOPNOTSUPP; }
  removexattrat(): number { return -E.EOPNOTSUPP; }
}
