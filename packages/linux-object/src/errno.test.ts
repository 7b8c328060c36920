import { describe, expect, it } from 'vitest';
import { Errno, errnoName, KernelError } from './errno.js';

describe('errno', () => {
  it('has Linux values', () => {
    expect(Errno.EPERM).toBe(1);
    expect(Errno.ENOENT).toBe(2);
    expect(Errno.ENOSYS).toBe(38);
    expect(Errno.ELOOP).toBe(40);
    expect(Errno.EHWPOISON).toBe(133);
    expect(Errno.EWOULDBLOCK).toBe(Errno.EAGAIN);
  });

  it('names errnos canonically', () => {
    expect(errnoName(11)).toBe('EAGAIN');
    expect(errnoName(35)).toBe('EDEADLK');
    expect(errnoName(-2)).toBe('ENOENT');
    expect(errnoName(999)).toBe('E999');
  });

  it('KernelError carries the errno', () => {
    const e = new KernelError(Errno.EBADF, 'fd 7');
    expect(e.errno).toBe(9);
    expect(e.message).toBe('EBADF: fd 7');
    expect(e).toBeInstanceOf(Error);
  });
});
