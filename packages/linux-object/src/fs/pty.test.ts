import { describe, expect, it } from 'vitest';
import { O_NONBLOCK, O_RDWR } from '../abi/fcntl.js';
import { TCGETS, TCSETS, TIOCGPTN, TIOCGWINSZ, TIOCSPTLCK, TIOCSWINSZ, TERMIOS_SIZE } from '../abi/ioctl.js';
import { POLLIN } from '../abi/poll.js';
import { Errno } from '../errno.js';
import { DevFs } from './devfs.js';
import { errnoOf } from './errno-of.test-helper.js';
import { ECHO, ICANON, VMIN, decodeTermios, encodeTermios } from './line-discipline.js';
import type { OpenFile } from './open-file.js';
import { Vfs } from './vfs.js';

const enc = new TextEncoder();
const dec = new TextDecoder();

function openPair(): { master: OpenFile; slave: OpenFile; index: number } {
  const vfs = new Vfs(new DevFs());
  const master = vfs.open(vfs.root, '/ptmx', O_RDWR, 0);
  const arg = new Uint8Array(4);
  master.ioctl(TIOCGPTN, arg);
  const index = new DataView(arg.buffer).getUint32(0, true);
  expect(errnoOf(() => vfs.open(vfs.root, `/pts/${index}`, O_RDWR, 0))).toBe(Errno.EIO); // locked
  master.ioctl(TIOCSPTLCK, new Uint8Array(4)); // unlockpt
  const slave = vfs.open(vfs.root, `/pts/${index}`, O_RDWR, 0);
  return { master, slave, index };
}

function readAll(file: OpenFile): string {
  const buf = new Uint8Array(256);
  const n = file.read(buf);
  if (typeof n !== 'number') throw new Error('would block');
  return dec.decode(buf.subarray(0, n));
}

function setTermios(file: OpenFile, change: (t: ReturnType<typeof decodeTermios>) => void): void {
  const arg = new Uint8Array(TERMIOS_SIZE);
  file.ioctl(TCGETS, arg);
  const t = decodeTermios(arg);
  change(t);
  encodeTermios(t, arg);
  file.ioctl(TCSETS, arg);
}

describe('pseudo-terminals', () => {
  it('numbers ptys from 0 and removes the slave node when the master closes', () => {
    const devfs = new DevFs();
    const vfs = new Vfs(devfs);
    const names = (): string[] => devfs.pts.readdir().map((e) => e.name).filter((n) => !n.startsWith('.'));
    const a = vfs.open(vfs.root, '/ptmx', O_RDWR, 0);
    const b = vfs.open(vfs.root, '/ptmx', O_RDWR, 0);
    expect(names()).toEqual(['0', '1']);
    a.close();
    expect(names()).toEqual(['1']);
    b.close();
  });

  it('canonical mode: a line is readable once ended, with erase applied and echoed', () => {
    const { master, slave } = openPair();
    master.write(enc.encode('hellx\x7fo'));
    expect(slave.poll(POLLIN)).toBe(0);
    expect(readAll(master)).toBe('hellx\b \bo');
    master.write(enc.encode('\r'));
    expect(readAll(master)).toBe('\r\n');
    expect(slave.poll(POLLIN)).toBe(POLLIN);
    expect(readAll(slave)).toBe('hello\n');
  });

  it('kill erases the line; ^D ends a line without a newline and alone reads as EOF', () => {
    const { master, slave } = openPair();
    master.write(enc.encode('junk\x15ok\x04\x04'));
    expect(readAll(slave)).toBe('ok');
    expect(readAll(slave)).toBe('');
  });

  it('the slave output gets CR before NL', () => {
    const { master, slave } = openPair();
    slave.write(enc.encode('a\nb\n'));
    expect(readAll(master)).toBe('a\r\nb\r\n');
  });

  it('raw mode with VMIN waits for that many bytes, and without echo prints nothing', () => {
    const { master, slave } = openPair();
    setTermios(slave, (t) => {
      t.lflag &= ~(ICANON | ECHO);
      t.cc[VMIN] = 3;
    });
    master.write(enc.encode('ab'));
    const pending = slave.read(new Uint8Array(8));
    expect(pending).toBeInstanceOf(Promise);
    master.write(enc.encode('c'));
    return (pending as Promise<number>).then((n) => {
      expect(n).toBe(3);
      expect(master.poll(POLLIN)).toBe(0);
    });
  });

  it('window size is shared by both sides', () => {
    const { master, slave } = openPair();
    master.ioctl(TIOCSWINSZ, Uint8Array.from([40, 0, 120, 0, 0, 0, 0, 0]));
    const ws = new Uint8Array(8);
    slave.ioctl(TIOCGWINSZ, ws);
    expect([...ws.subarray(0, 4)]).toEqual([40, 0, 120, 0]);
  });

  it('reads: EAGAIN when non-blocking; EIO on the master once the slave is closed; EOF on the slave once the master is', () => {
    const { master, slave } = openPair();
    master.setStatusFlags(O_NONBLOCK);
    expect(errnoOf(() => master.read(new Uint8Array(4)))).toBe(Errno.EAGAIN);
    slave.close();
    expect(errnoOf(() => master.read(new Uint8Array(4)))).toBe(Errno.EIO);
    const other = openPair();
    other.master.close();
    expect(readAll(other.slave)).toBe('');
    expect(errnoOf(() => other.slave.write(new Uint8Array(1)))).toBe(Errno.EIO);
  });

  it('/dev/tty without a controlling terminal and /dev/console without stdio: ENXIO', () => {
    const vfs = new Vfs(new DevFs());
    expect(errnoOf(() => vfs.open(vfs.root, '/tty', O_RDWR, 0))).toBe(Errno.ENXIO);
    expect(errnoOf(() => vfs.open(vfs.root, '/console', O_RDWR, 0))).toBe(Errno.ENXIO);
  });
});
