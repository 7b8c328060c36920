import { FakePlatform, PmemAllocator, Thread, stringToBytes } from '@rvisor/zircon-object';
import { describe, expect, it } from 'vitest';
import { Errno } from '../errno.js';
import { Kernel } from '../process/kernel.js';
import { LinuxThread } from '../process/process.js';
import { errnoOf } from './errno-of.test-helper.js';
import { FdTable } from './fd-table.js';
import { makedev } from '../abi/mode.js';
import { O_CREAT, O_RDONLY, O_WRONLY } from '../abi/fcntl.js';
import { S_IFIFO } from '../abi/mode.js';
import { ProcFs } from './procfs.js';
import { ROOT_CAPS } from '../process/capabilities.js';
import { TmpFs } from './tmpfs.js';
import { AF_INET, AF_INET6, IPV4_LOOPBACK, IPV6_LOOPBACK } from '../net/inet-address.js';
import { InetSocket } from '../net/inet-socket.js';
import {
  SOCK_DGRAM, SOCK_SEQPACKET, SOCK_STREAM, createSocketPair, createUnixSocket, type UnixSocket,
} from './unix-socket.js';

function setup() {
  const platform = new FakePlatform();
  const allocator = new PmemAllocator(platform.pmem);
  const kernel = new Kernel({ platform, rootFs: new TmpFs({ allocator }), allocator });
  const spawn = () =>
    kernel.createProcess({
      parent: null,
      fds: new FdTable(),
      fs: kernel.newFsContext(),
      cred: { uid: 0, gid: 0, euid: 0, egid: 0, suid: 0, sgid: 0, fsuid: 0, fsgid: 0, groups: [], ...ROOT_CAPS },
      name: 'p',
    }).process;
  const first = spawn();
  const proc = new ProcFs(kernel, { current: () => first });
  return { kernel, spawn, proc, first };
}

describe('procfs lookups', () => {
  it('finds a pid directory, and ENOENT for pids that are not there', () => {
    const { proc, first } = setup();
    first.exe = '/bin/p';
    expect(proc.root.lookup('1').lookup('exe').readlink()).toBe('/bin/p');
    expect(proc.root.lookup('self').readlink()).toBe('1');
    for (const name of ['2', '01', '0', 'nope']) expect(errnoOf(() => proc.root.lookup(name))).toBe(Errno.ENOENT);
    expect(proc.root.readdir().map((e) => e.name)).toContain('1');
  });

  it('keeps inode numbers while forgetting reaped processes', () => {
    const { kernel, spawn, proc } = setup();
    const ino = proc.root.lookup('1').lookup('stat').ino;
    for (let i = 0; i < 200; i++) {
      const p = spawn();
      proc.root.lookup(String(p.pid)).lookup('status');
      kernel.reap(p);
      expect(errnoOf(() => proc.root.lookup(String(p.pid)))).toBe(Errno.ENOENT);
    }
    expect(proc.root.lookup('1').lookup('stat').ino).toBe(ino);
    const inos = proc.root.readdir().filter((e) => e.name !== '..').map((e) => e.ino);
    expect(new Set(inos).size).toBe(inos.length);
  });

  it('lists the mounts in mountinfo with stable ids, each under the deepest mount above it', () => {
    const { kernel, proc } = setup();
    const tmp = (minor: number) => new TmpFs({ allocator: kernel.allocator, dev: makedev(0, minor) });
    kernel.vfs.root.inode.mkdir!('dev', 0o755);
    kernel.vfs.root.inode.mkdir!('my data', 0o755);
    kernel.vfs.mount('/dev', tmp(5));
    kernel.vfs.mount('/dev/shm', tmp(40));
    kernel.vfs.mount('/my data', tmp(41));
    kernel.vfs.unmount('/my data');
    kernel.vfs.mount('/my data', tmp(42));
    const file = proc.root.lookup('1').lookup('mountinfo').open(O_RDONLY, '/proc/1/mountinfo');
    const buf = new Uint8Array(4096);
    const text = new TextDecoder().decode(buf.subarray(0, file.read(buf) as number));
    // Without the device numbers (checked below for one): id, parent id, root, mount point, …
    expect(text.split('\n').slice(0, -1).map((l) => l.replace(/ \d+:\d+ /, ' '))).toEqual([
      '1 1 / / rw,relatime - tmpfs tmpfs rw',
      '2 1 / /dev rw,relatime - tmpfs tmpfs rw',
      '3 2 / /dev/shm rw,relatime - tmpfs tmpfs rw',
      '5 1 / /my\\040data rw,relatime - tmpfs tmpfs rw',
    ]);
    expect(text).toContain('3 2 0:40 / /dev/shm');
  });

  it('lists each thread under task/ with its own comm, and answers ENOENT once it has ended', () => {
    const { proc, first } = setup();
    const worker = new LinuxThread(new Thread(first.zx, 'worker'), 7, 0, first);
    const task = proc.root.lookup('1').lookup('task');
    expect(task.readdir().map((e) => e.name).filter((n) => !n.startsWith('.'))).toEqual(['1', '7']);
    const comm = task.lookup('7').lookup('comm').open(O_RDONLY, '/proc/1/task/7/comm');
    const buf = new Uint8Array(64);
    expect(new TextDecoder().decode(buf.subarray(0, comm.read(buf) as number))).toBe('worker\n');
    const ino = task.lookup('7').ino;
    first.threads.delete(worker.tid);
    expect(task.readdir().map((e) => e.name).filter((n) => !n.startsWith('.'))).toEqual(['1']);
    for (const name of ['7', '8', '07']) expect(errnoOf(() => task.lookup(name))).toBe(Errno.ENOENT);
    // The listing forgot the ended thread's nodes: a thread with that tid (never in practice: tids
    // are not reused) would get new ones.
    new LinuxThread(new Thread(first.zx, 'again'), 7, 0, first);
    expect(task.lookup('7').ino).not.toBe(ino);
  });
});

describe('/proc/net', () => {
  it('lists the container\'s listening and connected TCP sockets as Linux does, IPv4 and IPv6 apart', () => {
    const { kernel, proc } = setup();
    const srv = new InetSocket(AF_INET, SOCK_STREAM, kernel.loopback, 0, 0);
    srv.bind(IPV4_LOOPBACK, 8080);
    srv.listen(8);
    const cli = new InetSocket(AF_INET, SOCK_STREAM, kernel.loopback, 1000, 0);
    cli.connect({ addr: IPV4_LOOPBACK, port: 8080 });
    const v6 = new InetSocket(AF_INET6, SOCK_DGRAM, kernel.loopback, 0, 0);
    v6.bind(IPV6_LOOPBACK, 53);
    const read = (name: string) => {
      const buf = new Uint8Array(4096);
      const n = proc.root.lookup('net').lookup(name).open(O_RDONLY, '').read(buf) as number;
      return new TextDecoder().decode(buf.subarray(0, n)).split('\n').slice(1, -1).map((l) => l.trim().split(/\s+/));
    };
    const tcp = read('tcp');
    // sl, local, remote, state, queues, …, uid
    expect(tcp.map((f) => [f[1], f[3], f[7]])).toEqual([
      ['0100007F:1F90', '0A', '0'], // the listener: 127.0.0.1:8080, LISTEN
      ['0100007F:1F90', '01', '0'], // the connection it holds until accepted, ESTABLISHED
      [`0100007F:${cli.local!.port.toString(16).toUpperCase().padStart(4, '0')}`, '01', '1000'],
    ]);
    expect(read('tcp6')).toEqual([]);
    expect(read('udp6').map((f) => [f[1], f[3]])).toEqual([['00000000000000000000000001000000:0035', '07']]);
  });
});

describe('creating in /proc', () => {
  it('answers ENOENT for a new name, whatever the call, and EPERM for what /proc cannot change, as Linux', () => {
    const { kernel, proc } = setup();
    const vfs = kernel.vfs;
    const root = vfs.root;
    vfs.mount('/proc', proc);
    vfs.open(root, '/file', O_CREAT | O_WRONLY, 0o644).close();
    for (const p of ['/proc/new', '/proc/1/new', '/proc/1/fd/9', '/proc/sys/kernel/new', '/proc/net/new']) {
      expect(errnoOf(() => vfs.open(root, p, O_CREAT | O_WRONLY, 0o644))).toBe(Errno.ENOENT);
      expect(errnoOf(() => vfs.mkdir(root, p, 0o755))).toBe(Errno.ENOENT);
      expect(errnoOf(() => vfs.mknod(root, p, S_IFIFO | 0o644))).toBe(Errno.ENOENT);
      expect(errnoOf(() => vfs.symlink('/file', root, p))).toBe(Errno.ENOENT);
      expect(errnoOf(() => vfs.link(root, '/file', root, p, false))).toBe(Errno.ENOENT);
      expect(errnoOf(() => vfs.rename(root, '/proc/1/stat', root, p, 0))).toBe(Errno.ENOENT);
    }
    expect(errnoOf(() => vfs.rename(root, '/file', root, '/proc/new', 0))).toBe(Errno.EXDEV);
    expect(errnoOf(() => vfs.mkdir(root, '/proc/1', 0o755))).toBe(Errno.EEXIST);
    expect(errnoOf(() => vfs.unlink(root, '/proc/cpuinfo'))).toBe(Errno.EPERM);
    expect(errnoOf(() => vfs.rmdir(root, '/proc/1/fd'))).toBe(Errno.EPERM);
    expect(errnoOf(() => vfs.rename(root, '/proc/1/stat', root, '/proc/1/status', 0))).toBe(Errno.EPERM);
  });
});

describe('/proc/net/unix', () => {
  const read = (proc: ProcFs): string[] => {
    const buf = new Uint8Array(4096);
    const n = proc.root.lookup('net').lookup('unix').open(O_RDONLY, '/proc/net/unix').read(buf) as number;
    return new TextDecoder().decode(buf.subarray(0, n)).split('\n').slice(0, -1);
  };
  const line = (refs: number, flags: number, type: number, state: number, ino: bigint | number, path = '') =>
    `0000000000000000: ${refs.toString(16).padStart(8, '0')} 00000000 ${flags.toString(16).padStart(8, '0')} `
    + `000${type} 0${state} ${String(ino).padStart(5)}${path === '' ? '' : ` ${path}`}`;

  it('lists the container\'s AF_UNIX sockets as Linux does: those held by fds, waiting for accept, or in flight', () => {
    const { kernel, spawn, proc, first } = setup();
    const cred = { pid: 1, uid: 0, gid: 0 };
    const listener = createUnixSocket(SOCK_STREAM, 0, cred);
    listener.local = stringToBytes('/run/app.sock');
    listener.listen(8, cred);
    const client = createUnixSocket(SOCK_STREAM, 0, cred);
    client.connect(listener, cred);
    const [a, b] = createSocketPair(SOCK_DGRAM, 0);
    const abstract = createUnixSocket(SOCK_SEQPACKET, 0, cred);
    abstract.local = stringToBytes('\0bus\0x');
    const sent = createUnixSocket(SOCK_STREAM, 0, cred);
    a.send(new Uint8Array([1]), [sent], 0); // in flight to b: no fd holds it
    for (const s of [listener, client, a, b]) first.fds.install(s);
    const other = spawn();
    other.fds.install(abstract);
    other.fds.install(a); // a socket two processes hold is one socket
    other.fds.install(new InetSocket(AF_INET, SOCK_STREAM, kernel.loopback, 0, 0)); // not AF_UNIX
    other.fds.install(createUnixSocket(SOCK_STREAM, 0, cred));
    other.fds.close(other.fds.count - 1); // closed: not listed
    const ino = (s: { stat(): { ino: bigint } }) => s.stat().ino;
    expect(read(proc)).toEqual([
      'Num       RefCount Protocol Flags    Type St Inode Path',
      line(2, 0x10000, 1, 1, ino(listener), '/run/app.sock'), // listening: __SO_ACCEPTCON, unconnected
      line(3, 0, 1, 3, ino(client)), // connected: its peer refers to it
      line(3, 0, 2, 3, ino(a)),
      line(3, 0, 2, 3, ino(b)),
      line(2, 0, 5, 1, ino(abstract), '@bus@x'), // an abstract name: '@' for each NUL
      line(2, 0, 1, 1, ino(sent)),
      line(3, 0, 1, 2, 0, '/run/app.sock'), // the connection waiting for accept: no inode yet, connecting
    ]);
    // Its peer gone, a stream socket stays established (Linux leaves its state), with one reference less.
    const server = listener.accept() as UnixSocket;
    first.fds.install(server);
    server.close();
    first.fds.close(first.fds.count - 1);
    expect(read(proc)).toContain(line(2, 0, 1, 3, ino(client)));
  });
});
