/**
 * Files with no name in any file system (eventfd, timerfd, signalfd, epoll; Linux's
 * anon_inodefs) and the stat they share.
 *
 * @module
 */
import { timespecNow } from '../abi/codec.js';
import type { Stat } from '../abi/stat.js';
import { S_IFSOCK } from '../abi/mode.js';

// anon_inodefs and sockfs each have one inode number space; the device numbers are arbitrary.
const ANON_DEV = 0xdn;
const SOCK_DEV = 0x8n;
let nextIno = 1n;

function statOf(dev: bigint, mode: number): Stat {
  const t = timespecNow();
  return {
    dev, ino: nextIno++, mode, nlink: 1, uid: 0, gid: 0, rdev: 0n,
    size: 0, blksize: 4096, blocks: 0, atime: t, mtime: t, ctime: t,
  };
}

/** The stat of a new anonymous-inode file: no file type bits, mode 0600, as Linux reports. */
export function anonInodeStat(): Stat {
  return statOf(ANON_DEV, 0o600);
}

/** The stat of a new socket (sockfs): S_IFSOCK, mode 0777. */
export function socketStat(): Stat {
  return statOf(SOCK_DEV, S_IFSOCK | 0o777);
}
