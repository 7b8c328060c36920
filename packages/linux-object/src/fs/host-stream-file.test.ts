import { describe, expect, it } from 'vitest';
import { O_NONBLOCK, O_RDWR } from '../abi/fcntl.js';
import { TCGETS, TIOCGPGRP, TIOCGWINSZ, TIOCSPGRP } from '../abi/ioctl.js';
import { POLLIN, POLLOUT } from '../abi/poll.js';
import { Errno, KernelError } from '../errno.js';
import { HostReadiness } from './host-readiness.js';
import { HostStreamFile, type HostStreamOps } from './host-stream-file.js';

/** A host fd that is a pipe: `input` is what can be read, `room` how much can be written. */
class FakeHost implements HostStreamOps {
  input: number[] = [];
  room = Infinity;
  written: number[] = [];
  tty = false;
  read(_fd: number, buf: Uint8Array): number {
    if (this.input.length === 0) return -Errno.EAGAIN;
    const n = Math.min(buf.length, this.input.length);
    buf.set(this.input.splice(0, n));
    return n;
  }
  write(_fd: number, buf: Uint8Array): number {
    if (this.room === 0) return -Errno.EAGAIN;
    const n = Math.min(buf.length, this.room, 3); // partial writes of at most 3 bytes
    this.written.push(...buf.subarray(0, n));
    this.room -= n;
    return n;
  }
  pread(): number { return -Errno.ESPIPE; }
  pwrite(): number { return -Errno.ESPIPE; }
  lseek(): number { return -Errno.ESPIPE; }
  pollNow(_fd: number, events: number): number {
    return ((this.input.length > 0 ? POLLIN : 0) | (this.room > 0 ? POLLOUT : 0)) & events;
  }
  ioctl(_fd: number, request: number, arg: Uint8Array): number {
    if (!this.tty) return -Errno.ENOTTY;
    if (request === TIOCGWINSZ) arg.set([24, 0, 80, 0]);
    return request === TCGETS || request === TIOCGWINSZ ? 0 : -Errno.EINVAL;
  }
  fstatat(): number { return -Errno.EBADF; }
  close(): number { return 0; }
}

function setup(options: { flags?: number; foregroundPgrp?: number } = {}) {
  const host = new FakeHost();
  const watched = new Map<number, number>();
  const readiness = new HostReadiness(
    { watch: (fd, ev) => watched.set(fd, ev), unwatch: (fd) => watched.delete(fd) },
    (fd, ev) => host.pollNow(fd, ev),
  );
  const file = new HostStreamFile(host, 0, readiness, options);
  return { host, watched, readiness, file };
}

describe('HostStreamFile', () => {
  it('reads at once when data is there', () => {
    const { host, file } = setup();
    host.input = [1, 2, 3];
    const buf = new Uint8Array(8);
    expect(file.read(buf)).toBe(3);
  });

  it('waits for readability through HostReadiness', async () => {
    const { host, watched, readiness, file } = setup();
    const buf = new Uint8Array(8);
    const pending = file.read(buf);
    expect(pending).toBeInstanceOf(Promise);
    expect(watched.get(0)).toBe(POLLIN);
    readiness.check(); // nothing yet
    expect(watched.get(0)).toBe(POLLIN);
    host.input = [9, 8];
    readiness.check();
    expect(await pending).toBe(2);
    expect(watched.has(0)).toBe(false);
    expect([...buf.subarray(0, 2)]).toEqual([9, 8]);
  });

  it('a poll that finds nothing watches the host fd, and its readiness is told when the host says so', async () => {
    const { host, watched, readiness, file } = setup();
    host.room = 0;
    let told = 0;
    file.readiness.subscribe(() => told++);
    expect(file.poll(POLLIN)).toBe(0);
    expect(watched.get(0)).toBe(POLLIN);
    expect(file.poll(POLLIN)).toBe(0); // the same wait still covers it
    readiness.check();
    await Promise.resolve();
    expect(told).toBe(0);
    host.input = [1];
    readiness.check();
    await Promise.resolve();
    expect(told).toBe(1);
    expect(watched.has(0)).toBe(false);
    expect(file.poll(POLLIN)).toBe(POLLIN); // ready: nothing more to watch
    expect(watched.has(0)).toBe(false);
  });

  it('EAGAIN instead of waiting with O_NONBLOCK', () => {
    const { file } = setup({ flags: O_RDWR | O_NONBLOCK });
    expect(() => file.read(new Uint8Array(1))).toThrow(KernelError);
  });

  it('loops over partial writes and waits when the host is full', async () => {
    const { host, readiness, file } = setup();
    expect(file.write(new Uint8Array([1, 2, 3, 4, 5, 6, 7]))).toBe(7);
    host.room = 2;
    const pending = file.write(new Uint8Array([10, 11, 12, 13]));
    expect(pending).toBeInstanceOf(Promise);
    host.room = 10;
    readiness.check();
    expect(await pending).toBe(4);
    expect(host.written).toEqual([1, 2, 3, 4, 5, 6, 7, 10, 11, 12, 13]);
  });

  it('passes terminal ioctls to a tty only, and keeps pgrps virtual', () => {
    const pipe = setup();
    expect(() => pipe.file.ioctl(TCGETS, new Uint8Array(36))).toThrow(KernelError);
    const tty = setup({ foregroundPgrp: 1 });
    tty.host.tty = true;
    const ws = new Uint8Array(8);
    expect(tty.file.ioctl(TIOCGWINSZ, ws)).toBe(0);
    expect([...ws.subarray(0, 4)]).toEqual([24, 0, 80, 0]);
    const pgrp = new Uint8Array(4);
    expect(tty.file.ioctl(TIOCGPGRP, pgrp)).toBe(0);
    expect(new DataView(pgrp.buffer).getInt32(0, true)).toBe(1);
    new DataView(pgrp.buffer).setInt32(0, 42, true);
    tty.file.ioctl(TIOCSPGRP, pgrp);
    expect(tty.file.ioctl(TIOCGPGRP, pgrp)).toBe(0);
    expect(new DataView(pgrp.buffer).getInt32(0, true)).toBe(42);
  });
});
