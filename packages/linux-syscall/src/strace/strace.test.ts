import { Errno } from '@rvisor/linux-object';
import { FakePhysicalMemory, PmemAllocator, Prot, Vmar, Vmo } from '@rvisor/zircon-object';
import { describe, expect, it } from 'vitest';
import { SYS } from '../generated/numbers.js';
import type { SyscallArgs } from '../table/types.js';
import type { StraceMemory } from './args.js';
import { formatCall, formatEnter } from './format.js';
import { straceMemory } from './guest-memory.js';

/** A guest memory of one region starting at BASE; anything else is unreadable. */
const BASE = 0x10000;
class FakeMemory implements StraceMemory {
  readonly bytes = new Uint8Array(0x4000);
  private next = 0;

  /** Places bytes in memory and returns their address. */
  put(data: Uint8Array | string): bigint {
    const bytes = typeof data === 'string' ? new TextEncoder().encode(`${data}\0`) : data;
    const at = this.next;
    this.bytes.set(bytes, at);
    this.next += (bytes.length + 15) & ~15;
    return BigInt(BASE + at);
  }

  /** Places 64-bit words (pointer arrays, iovecs). */
  words(...values: bigint[]): bigint {
    const raw = new Uint8Array(values.length * 8);
    const view = new DataView(raw.buffer);
    values.forEach((v, i) => view.setBigUint64(i * 8, v, true));
    return this.put(raw);
  }

  readBytes(addr: number, len: number): Uint8Array | null {
    const off = addr - BASE;
    if (off < 0 || off + len > this.bytes.length) return null;
    return this.bytes.slice(off, off + len);
  }

  readString(addr: number, max: number): string | null {
    const off = addr - BASE;
    if (off < 0 || off >= this.bytes.length) return null;
    let end = off;
    while (end < this.bytes.length && end - off < max && this.bytes[end] !== 0) end++;
    return new TextDecoder().decode(this.bytes.subarray(off, end));
  }
}

function a(...values: (number | bigint)[]): SyscallArgs {
  const all = [...values.map((v) => BigInt.asUintN(64, BigInt(v)))];
  while (all.length < 6) all.push(0n);
  return all as unknown as SyscallArgs;
}

const thread = { pid: 1, tid: 2 };

describe('formatCall', () => {
  it('decodes openat with path, flags and the errno of a failure', () => {
    const mem = new FakeMemory();
    const path = mem.put('/etc/ld.so.cache');
    expect(formatCall(SYS.openat, a(-100, path, 0o2000000), 3, mem, thread)).toBe(
      '[1 2] openat(AT_FDCWD, "/etc/ld.so.cache", O_RDONLY|O_CLOEXEC) = 3',
    );
    expect(formatCall(SYS.openat, a(-100, path, 0o2000000), -Errno.ENOENT, mem, thread)).toBe(
      '[1 2] openat(AT_FDCWD, "/etc/ld.so.cache", O_RDONLY|O_CLOEXEC) = -1 ENOENT (No such file or directory)',
    );
  });

  it('shows open mode only when the call may create', () => {
    const mem = new FakeMemory();
    const path = mem.put('f');
    expect(formatCall(SYS.openat, a(3, path, 0o1101, 0o644), 4, mem)).toBe(
      'openat(3, "f", O_WRONLY|O_CREAT|O_TRUNC, 0644) = 4',
    );
  });

  it('escapes and truncates long strings', () => {
    const mem = new FakeMemory();
    const path = mem.put(`/a"b\\c\td/${'x'.repeat(40)}`);
    expect(formatCall(SYS.chdir, a(path), 0, mem)).toBe(`chdir("/a\\"b\\\\c\\td/${'x'.repeat(23)}"...) = 0`);
  });

  it('reads a guest address space: a long string cut short, an unmapped one as an address', () => {
    const vmar = new Vmar({ base: 0x10000, size: 0x100000, pmemGuestFd: 7 });
    const alloc = new PmemAllocator(new FakePhysicalMemory(4 * 2 ** 20, 2 ** 20));
    const at = vmar.map({ vmo: Vmo.create(alloc, 4096), len: 4096, prot: Prot.READ | Prot.WRITE });
    vmar.write(at, new TextEncoder().encode(`/${'y'.repeat(100)}\0`));
    const mem = straceMemory(vmar);
    expect(formatCall(SYS.chdir, a(BigInt(at)), 0, mem)).toBe(`chdir("/${'y'.repeat(31)}"...) = 0`);
    expect(formatCall(SYS.chdir, a(0x20000n), 0, mem)).toBe('chdir(0x20000) = 0');
  });

  it('prints unreadable and NULL pointers as addresses', () => {
    const mem = new FakeMemory();
    expect(formatCall(SYS.chdir, a(0xdead0000), -Errno.EFAULT, mem)).toBe(
      'chdir(0xdead0000) = -1 EFAULT (Bad address)',
    );
    expect(formatCall(SYS.chdir, a(0), -Errno.EFAULT, mem)).toBe('chdir(NULL) = -1 EFAULT (Bad address)');
  });

  it('shows write data from entry and read data from the result', () => {
    const mem = new FakeMemory();
    const buf = mem.put(new TextEncoder().encode('hello\n\x7fELF\x02\x01'));
    expect(formatCall(SYS.write, a(1, buf, 6), 6, mem)).toBe('write(1, "hello\\n", 6) = 6');
    expect(formatCall(SYS.read, a(3, buf, 832), 12, mem)).toBe('read(3, "hello\\n\\177ELF\\2\\1", 832) = 12');
    expect(formatCall(SYS.read, a(3, buf, 832), -Errno.EBADF, mem)).toBe(
      `read(3, 0x${buf.toString(16)}, 832) = -1 EBADF (Bad file descriptor)`,
    );
    expect(formatCall(SYS.read, a(3, buf, 832), 0, mem)).toBe('read(3, "", 832) = 0');
    const long = mem.put(new Uint8Array(100).fill(0x61));
    expect(formatCall(SYS.write, a(1, long, 100), 100, mem)).toBe(`write(1, "${'a'.repeat(32)}"..., 100) = 100`);
  });

  it('decodes the xattr calls: names, values in and out, flags', () => {
    const mem = new FakeMemory();
    const path = mem.put('/tmp/f');
    const name = mem.put('user.mime_type');
    const value = mem.put(new TextEncoder().encode('text/plain'));
    expect(formatCall(SYS.setxattr, a(path, name, value, 10, 1), 0, mem))
      .toBe('setxattr("/tmp/f", "user.mime_type", "text/plain", 10, XATTR_CREATE) = 0');
    expect(formatCall(SYS.fgetxattr, a(3, name, value, 64), 10, mem)).toBe('fgetxattr(3, "user.mime_type", "text/plain", 64) = 10');
    expect(formatCall(SYS.lremovexattr, a(path, name), -Errno.ENODATA, mem))
      .toBe('lremovexattr("/tmp/f", "user.mime_type") = -1 ENODATA (No data available)');
  });

  it('uses three octal digits before a digit', () => {
    const mem = new FakeMemory();
    const buf = mem.put(new Uint8Array([0, 0x31, 0x1b]));
    expect(formatCall(SYS.write, a(1, buf, 3), 3, mem)).toBe('write(1, "\\0001\\33", 3) = 3');
  });

  it('decodes mmap, mprotect and brk with hex results', () => {
    const mem = new FakeMemory();
    expect(formatCall(SYS.mmap, a(0, 8192, 3, 0x22, -1, 0), 0x7f0000001000n, mem)).toBe(
      'mmap(NULL, 8192, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0x0) = 0x7f0000001000',
    );
    expect(formatCall(SYS.mprotect, a(0x400000, 4096, 0), 0, mem)).toBe('mprotect(0x400000, 4096, PROT_NONE) = 0');
    expect(formatCall(SYS.brk, a(0), 0x4c5000, mem)).toBe('brk(NULL) = 0x4c5000');
    expect(formatCall(SYS.mmap, a(0, 8192, 3, 0x22, -1, 0), -Errno.ENOMEM, mem)).toBe(
      'mmap(NULL, 8192, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0x0) = -1 ENOMEM (Cannot allocate memory)',
    );
  });

  it('decodes execve argv and counts envp', () => {
    const mem = new FakeMemory();
    const path = mem.put('/bin/ls');
    const argv = mem.words(mem.put('ls'), mem.put('-l'), 0n);
    const envp = mem.words(mem.put('A=1'), mem.put('B=2'), 0n);
    expect(formatCall(SYS.execve, a(path, argv, envp), 0, mem)).toBe(
      `execve("/bin/ls", ["ls", "-l"], 0x${envp.toString(16)} /* 2 vars */) = 0`,
    );
  });

  it('prints = ? for calls that do not return', () => {
    expect(formatCall(SYS.exit_group, a(0), undefined, new FakeMemory())).toBe('exit_group(0) = ?');
    expect(formatCall(SYS.exit, a(3), 0, new FakeMemory())).toBe('exit(3) = ?');
  });

  it('decodes pipe, clock_gettime, fstat and wait4 outputs after success', () => {
    const mem = new FakeMemory();
    const fds = mem.put(new Uint8Array([3, 0, 0, 0, 4, 0, 0, 0]));
    expect(formatCall(SYS.pipe2, a(fds, 0o2000000), 0, mem)).toBe('pipe2([3, 4], O_CLOEXEC) = 0');

    const ts = mem.words(5n, 250n);
    expect(formatCall(SYS.clock_gettime, a(1, ts), 0, mem)).toBe(
      'clock_gettime(CLOCK_MONOTONIC, {tv_sec=5, tv_nsec=250}) = 0',
    );

    const st = new Uint8Array(144);
    const view = new DataView(st.buffer);
    view.setUint32(24, 0o100644, true);
    view.setBigInt64(48, 1234n, true);
    expect(formatCall(SYS.fstat, a(3, mem.put(st)), 0, mem)).toBe(
      'fstat(3, {st_mode=S_IFREG|0644, st_size=1234, ...}) = 0',
    );

    const status = mem.put(new Uint8Array([0, 2, 0, 0]));
    expect(formatCall(SYS.wait4, a(-1, status, 0, 0), 42, mem)).toBe(
      'wait4(-1, [{WIFEXITED(s) && WEXITSTATUS(s) == 2}], 0, NULL) = 42',
    );
    const killed = mem.put(new Uint8Array([9, 0, 0, 0]));
    expect(formatCall(SYS.wait4, a(-1, killed, 1, 0), 43, mem)).toBe(
      'wait4(-1, [{WIFSIGNALED(s) && WTERMSIG(s) == SIGKILL}], WNOHANG, NULL) = 43',
    );
  });

  it('decodes writev and readv iovecs', () => {
    const mem = new FakeMemory();
    const one = mem.put(new TextEncoder().encode('ab'));
    const two = mem.put(new TextEncoder().encode('cde'));
    const iov = mem.words(one, 2n, two, 3n);
    expect(formatCall(SYS.writev, a(1, iov, 2), 5, mem)).toBe(
      'writev(1, [{iov_base="ab", iov_len=2}, {iov_base="cde", iov_len=3}], 2) = 5',
    );
    expect(formatCall(SYS.readv, a(0, iov, 2), 3, mem)).toBe(
      'readv(0, [{iov_base="ab", iov_len=2}, {iov_base="c", iov_len=3}], 2) = 3',
    );
  });

  it('names signals, clone flags, futex ops and fcntl commands', () => {
    const mem = new FakeMemory();
    expect(formatCall(SYS.kill, a(5, 15), 0, mem)).toBe('kill(5, SIGTERM) = 0');
    expect(formatCall(SYS.rt_sigaction, a(34, 0, 0, 8), 0, mem)).toBe('rt_sigaction(SIGRTMIN+2, NULL, NULL, 8) = 0');
    expect(formatCall(SYS.clone, a(0x1200011, 0, 0, 0x7f00, 0), 9, mem)).toBe(
      'clone(CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD, NULL, NULL, 0x7f00, 0x0) = 9',
    );
    expect(formatCall(SYS.futex, a(0x7f00, 128, 1, 0, 0, 0), 0, mem)).toBe(
      'futex(0x7f00, FUTEX_WAIT|FUTEX_PRIVATE_FLAG, 1, NULL, NULL, 0) = 0',
    );
    expect(formatCall(SYS.fcntl, a(3, 1030, 10), 10, mem)).toBe('fcntl(3, F_DUPFD_CLOEXEC, 0xa) = 10');
    expect(formatCall(SYS.arch_prctl, a(0x1002, 0x4c8380), 0, mem)).toBe('arch_prctl(ARCH_SET_FS, 0x4c8380) = 0');
    expect(formatCall(SYS.newfstatat, a(-100, mem.put('x'), 0, 0x100), -Errno.ENOENT, mem)).toBe(
      'newfstatat(AT_FDCWD, "x", NULL, AT_SYMLINK_NOFOLLOW) = -1 ENOENT (No such file or directory)',
    );
    expect(formatCall(SYS.access, a(mem.put('/etc'), 6), 0, mem)).toBe('access("/etc", R_OK|W_OK) = 0');
  });

  it('shows undecoded syscalls as six hex registers', () => {
    const mem = new FakeMemory();
    expect(formatCall(SYS.io_uring_setup, a(8, 0x1000), -Errno.ENOSYS, mem)).toBe(
      'io_uring_setup(0x8, 0x1000, 0x0, 0x0, 0x0, 0x0) = -1 ENOSYS (Function not implemented)',
    );
    expect(formatCall(400, a(1), -Errno.ENOSYS, mem)).toMatch(/^syscall_400\(0x1, /);
  });

  it('respects the string limit option', () => {
    const mem = new FakeMemory();
    const buf = mem.put(new TextEncoder().encode('hello'));
    expect(formatCall(SYS.write, a(1, buf, 5), 5, mem, undefined, { stringLimit: 2 })).toBe(
      'write(1, "he"..., 5) = 5',
    );
  });
});

describe('formatEnter', () => {
  it('shows out-buffers as pointers', () => {
    const mem = new FakeMemory();
    const buf = mem.put('data');
    expect(formatEnter(SYS.read, a(0, buf, 4), mem, thread)).toBe(`[1 2] read(0, 0x${buf.toString(16)}, 4)`);
    expect(formatEnter(SYS.write, a(1, buf, 4), mem)).toBe('write(1, "data", 4)');
  });
});
