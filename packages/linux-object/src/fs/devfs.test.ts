import { describe, expect, it } from 'vitest';
import { O_RDONLY, O_RDWR, O_WRONLY } from '../abi/fcntl.js';
import { devMajor, devMinor, S_IFCHR, S_IFMT } from '../abi/mode.js';
import { Errno, KernelError } from '../errno.js';
import { DevFs } from './devfs.js';
import type { OpenFile } from './open-file.js';
import { Vfs } from './vfs.js';
import { errnoOf } from './errno-of.test-helper.js';


const vfs = new Vfs(new DevFs());
const open = (name: string, flags = O_RDWR): OpenFile => vfs.open(vfs.root, `/${name}`, flags, 0);

describe('devfs', () => {
  it('has the memory devices with Linux device numbers', () => {
    for (const [name, minor] of [['null', 3], ['zero', 5], ['full', 7], ['random', 8], ['urandom', 9]] as const) {
      const s = vfs.stat(vfs.root, `/${name}`, true);
      expect(s.mode & S_IFMT).toBe(S_IFCHR);
      expect(s.mode & 0o777).toBe(0o666);
      expect([devMajor(s.rdev), devMinor(s.rdev)]).toEqual([1, minor]);
    }
  });

  it('/dev/null: reads end, writes vanish', () => {
    const f = open('null');
    expect(f.read(new Uint8Array(8))).toBe(0);
    expect(f.write(new Uint8Array(8))).toBe(8);
    expect(f.seek(100, 0)).toBe(0);
  });

  it('/dev/zero and /dev/full read zeros; full refuses writes', () => {
    const buf = new Uint8Array(16).fill(7);
    expect(open('zero').read(buf)).toBe(16);
    expect(buf.every((b) => b === 0)).toBe(true);
    const full = open('full');
    buf.fill(7);
    expect(full.read(buf)).toBe(16);
    expect(buf.every((b) => b === 0)).toBe(true);
    expect(errnoOf(() => full.write(new Uint8Array(1)))).toBe(Errno.ENOSPC);
    expect(errnoOf(() => full.write(new Uint8Array(0)))).toBe(Errno.ENOSPC);
  });

  it('/dev/urandom fills large buffers', () => {
    const buf = new Uint8Array(200_000);
    expect(open('urandom', O_RDONLY).read(buf)).toBe(200_000);
    expect(buf.some((b) => b !== 0)).toBe(true);
  });

  it('checks access modes and knows no ioctls', () => {
    expect(errnoOf(() => open('null', O_RDONLY).write(new Uint8Array(1)))).toBe(Errno.EBADF);
    expect(errnoOf(() => open('null', O_WRONLY).read(new Uint8Array(1)))).toBe(Errno.EBADF);
    expect(errnoOf(() => open('null').ioctl(0x5401, new Uint8Array(36)))).toBe(Errno.ENOTTY);
  });

  it('links fd and std streams into /proc', () => {
    expect(vfs.readlink(vfs.root, '/stdin')).toBe('/proc/self/fd/0');
    expect(vfs.readlink(vfs.root, '/fd')).toBe('/proc/self/fd');
  });
});
