import { TimerQueue } from '@rvisor/async-executor';
import { describe, expect, it } from 'vitest';
import { O_CREAT, O_RDONLY, O_RDWR } from '../abi/fcntl.js';
import { S_IFDIR, S_IFREG } from '../abi/mode.js';
import { Errno } from '../errno.js';
import { errnoOf } from '../fs/errno-of.test-helper.js';
import { MessageQueues } from './mqueue.js';
import { MQUEUE_MAGIC, MqueueFs } from './mqueue-fs.js';

const creator = { uid: 1000, gid: 1000, chargedUid: 1000, rlimitBytes: 819200n, resource: false };

function setup() {
  const queues = new MessageQueues(new TimerQueue({ now: () => 0n }));
  return { queues, fs: new MqueueFs(queues) };
}

describe('the mqueue file system', () => {
  it('lists the queues, each a file whose text is its status line', () => {
    const { queues, fs } = setup();
    const q = queues.create('q', 0o640, { maxmsg: 4, msgsize: 16 }, creator);
    q.put(new TextEncoder().encode('hello'), 1);
    expect(fs.root.readdir().map((e) => e.name)).toEqual(['.', '..', 'q']);
    expect(fs.root.stat().mode).toBe(S_IFDIR | 0o1777);
    const inode = fs.root.lookup('q');
    expect(fs.root.lookup('q')).toBe(inode);
    expect(inode.stat()).toMatchObject({ mode: S_IFREG | 0o640, uid: 1000, gid: 1000, size: 80 });
    expect(inode.open(O_RDONLY, '/dev/mqueue/q').stat()).toEqual(inode.stat()); // one inode, by path or descriptor
    const buf = new Uint8Array(128);
    const n = inode.open(O_RDONLY, '/dev/mqueue/q').read(buf) as number;
    expect(new TextDecoder().decode(buf.subarray(0, n))).toBe('QSIZE:5          NOTIFY:0     SIGNO:0     NOTIFY_PID:0     \n');
    expect(errnoOf(() => fs.root.lookup('none'))).toBe(Errno.ENOENT);
    expect(fs.statfs().type).toBe(MQUEUE_MAGIC);
  });

  it('makes a queue with the default attributes on open(O_CREAT), and removes one on unlink', () => {
    const { queues, fs } = setup();
    const { inode } = fs.root.create!('made', 0o644, O_RDWR | O_CREAT, '/dev/mqueue/made');
    const q = queues.get('made')!;
    expect([q.maxmsg, q.msgsize]).toEqual([10, 8192]);
    inode.setAttr!({ mode: 0o600, uid: 7 });
    expect([q.mode, q.uid]).toEqual([0o600, 7]);
    fs.root.unlink!('made');
    expect(queues.get('made')).toBeUndefined();
    expect(errnoOf(() => fs.root.unlink!('made'))).toBe(Errno.ENOENT);
    expect(fs.root.mkdir).toBeUndefined(); // mkdir there is EPERM, as Linux's
  });
});
