import { describe, expect, it } from 'vitest';
import { Errno } from '../errno.js';
import { errnoOf } from './errno-of.test-helper.js';
import { FilePrivileges } from './file-privileges.js';
import { parseFileCaps } from './xattr.js';
import type { INode } from './inode.js';

/** A security.capability value: 32-bit words, little-endian. */
function caps(...words: number[]): Uint8Array {
  const v = new DataView(new ArrayBuffer(words.length * 4));
  words.forEach((w, i) => v.setUint32(i * 4, w >>> 0, true));
  return new Uint8Array(v.buffer);
}

describe('file capabilities as execve reads them', () => {
  it('reads revisions 1, 2 and 3, permitted and inheritable, and the effective bit', () => {
    expect(parseFileCaps(caps(0x01000001, 1 << 13, 1 << 10))).toEqual({ permitted: 1 << 13, inheritable: 1 << 10, effective: true });
    expect(parseFileCaps(caps(0x02000000, 1 << 13, 0, 1, 0))).toEqual({ permitted: 2 ** 32 + 2 ** 13, inheritable: 0, effective: false });
    expect(parseFileCaps(caps(0x03000001, 0, 1 << 10, 0, 0, 0))).toEqual({ permitted: 0, inheritable: 1 << 10, effective: true });
  });

  it('keeps only capabilities that exist, whatever the high words hold', () => {
    expect(parseFileCaps(caps(0x02000000, 0xffffffff, 0, 0xffffffff, 0))?.permitted).toBe(2 ** 41 - 1);
  });

  it('ignores a revision 3 value rooted in another user namespace, and refuses a value of no known shape', () => {
    expect(parseFileCaps(caps(0x03000001, 1, 0, 0, 0, 1000))).toBeUndefined();
    expect(errnoOf(() => parseFileCaps(caps(0x02000000, 1, 0)))).toBe(Errno.EINVAL);
    expect(errnoOf(() => parseFileCaps(caps(0x04000000, 1, 0, 0, 0)))).toBe(Errno.EINVAL);
    expect(errnoOf(() => parseFileCaps(new Uint8Array(2)))).toBe(Errno.EINVAL);
  });
});

describe('what a change takes from a file', () => {
  const fs = {} as INode['fs'];
  function file(ino: bigint) {
    const removed: string[] = [];
    const inode = { fs, ino, removeXattr: (name: string) => void removed.push(name) } as unknown as INode;
    return { inode, removed };
  }

  it('takes a holder\'s capabilities away when it is given an owner, once, and leaves other files alone', () => {
    const privileges = new FilePrivileges();
    const a = file(1n);
    const b = file(2n);
    const ROOT_CAPS = 2 ** 41 - 1;
    expect(privileges.mayTake(ROOT_CAPS)).toBe(false);
    privileges.addCaps(a.inode);
    expect(privileges.mayTake(ROOT_CAPS)).toBe(true);
    privileges.chowned(b.inode);
    privileges.chowned(a.inode);
    privileges.chowned(a.inode);
    expect(a.removed).toEqual(['security.capability']);
    expect(b.removed).toEqual([]);
    expect(privileges.mayTake(ROOT_CAPS)).toBe(false);
    expect(privileges.mayTake(0)).toBe(true); // without CAP_FSETID, set-ID bits may go
  });
});
