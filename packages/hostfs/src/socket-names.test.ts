import * as fs from 'node:fs';
import * as os from 'node:os';
import * as nodePath from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Errno, FileType, KernelError, SOCK_STREAM, createUnixSocket } from '@rvisor/linux-object';
import { HostFs } from './host-fs.js';
import { errnoOf } from './errno-of.test-helper.js';
import { NodeHostOps } from './node-host-ops.test-helper.js';


const cred = { pid: 1, uid: 0, gid: 0 };
let dir: string;
let hfs: HostFs;

beforeAll(() => {
  dir = fs.mkdtempSync(nodePath.join(os.tmpdir(), 'hostfs-sockets-'));
  fs.mkdirSync(nodePath.join(dir, 'sub'));
  fs.writeFileSync(nodePath.join(dir, 'taken'), '');
  hfs = HostFs.open(new NodeHostOps(), dir);
});

afterAll(() => {
  hfs.release();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('socket files on hostfs', () => {
  it('binds a name the kernel keeps: lookups and readdir find it, the host does not', () => {
    const sock = createUnixSocket(SOCK_STREAM, 0, cred);
    const file = hfs.root.bindSocket('s.sock', sock, 0o755);
    expect(file.type).toBe(FileType.Socket);
    expect(file.stat().mode).toBe(0o140755);
    expect(hfs.root.lookup('s.sock').socket).toBe(sock);
    expect(hfs.root.readdir().map((e) => e.name)).toContain('s.sock');
    expect(fs.existsSync(nodePath.join(dir, 's.sock'))).toBe(false);
    expect(errnoOf(() => hfs.root.lookup('s.sock').open(0, '/s.sock'))).toBe(Errno.ENXIO);
    hfs.root.unlink('s.sock');
    expect(errnoOf(() => hfs.root.lookup('s.sock'))).toBe(Errno.ENOENT);
  });

  it('refuses names taken on the host or by another socket file', () => {
    const sock = createUnixSocket(SOCK_STREAM, 0, cred);
    expect(errnoOf(() => hfs.root.bindSocket('taken', sock, 0o755))).toBe(Errno.EEXIST);
    hfs.root.bindSocket('once', sock, 0o755);
    expect(errnoOf(() => hfs.root.bindSocket('once', sock, 0o755))).toBe(Errno.EEXIST);
    hfs.root.unlink('once');
  });

  it('keeps a directory holding a socket file from being removed', () => {
    const sub = hfs.root.lookup('sub');
    sub.bindSocket!('x', createUnixSocket(SOCK_STREAM, 0, cred), 0o755);
    expect(errnoOf(() => hfs.root.rmdir('sub'))).toBe(Errno.ENOTEMPTY);
    sub.unlink!('x');
    hfs.root.rmdir('sub');
  });
});
