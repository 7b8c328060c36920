import { FakePhysicalMemory, PmemAllocator } from '@rvisor/zircon-object';
import { describe, expect, it } from 'vitest';
import { O_CREAT, O_NONBLOCK, O_WRONLY } from '../abi/fcntl.js';
import { Errno } from '../errno.js';
import { errnoOf } from './errno-of.test-helper.js';
import {
  IN_ATTRIB, IN_CLOSE_WRITE, IN_CREATE, IN_DELETE, IN_DELETE_SELF, IN_IGNORED, IN_ISDIR, IN_MODIFY, IN_MOVED_FROM,
  IN_MOVED_TO, IN_ONESHOT, IN_OPEN, InotifyFile,
} from './inotify.js';
import { releaseFile, retainFile } from './fd-table.js';
import { TmpFs } from './tmpfs.js';
import { Vfs } from './vfs.js';

function setup() {
  const vfs = new Vfs(new TmpFs({ allocator: new PmemAllocator(new FakePhysicalMemory()) }));
  vfs.mkdir(vfs.root, '/d', 0o755);
  const instance = new InotifyFile(vfs.events, O_NONBLOCK);
  const d = vfs.lookup(vfs.root, '/d', { followLast: true });
  return { vfs, instance, d };
}

/** Every queued event as [wd, mask, name, cookie]. */
function events(instance: InotifyFile): [number, number, string, number][] {
  const out: [number, number, string, number][] = [];
  const buf = new Uint8Array(4096);
  for (;;) {
    let n: number;
    try {
      n = instance.read(buf) as number;
    } catch {
      return out;
    }
    const v = new DataView(buf.buffer);
    for (let at = 0; at < n;) {
      const len = v.getUint32(at + 12, true);
      const name = new TextDecoder().decode(buf.subarray(at + 16, at + 16 + len)).replace(/\0+$/, '');
      out.push([v.getInt32(at, true), v.getUint32(at + 4, true), name, v.getUint32(at + 8, true)]);
      at += 16 + len;
    }
  }
}

describe('inotify on the VFS', () => {
  it('reports creates, writes, attribute changes and deletes to a directory watch, a repeat merged', () => {
    const { vfs, instance, d } = setup();
    const wd = vfs.events.add(instance, d, IN_CREATE | IN_MODIFY | IN_ATTRIB | IN_DELETE);
    const f = vfs.open(vfs.root, '/d/f', O_CREAT | O_WRONLY, 0o644);
    vfs.events.changed(f.location!, IN_MODIFY); // what a write reports
    vfs.events.changed(f.location!, IN_MODIFY); // the same event again: merged
    vfs.setAttr(f.location!, { mode: 0o600 });
    f.close();
    vfs.unlink(vfs.root, '/d/f');
    vfs.mkdir(vfs.root, '/d/sub', 0o755);
    expect(events(instance)).toEqual([
      [wd, IN_CREATE, 'f', 0], [wd, IN_MODIFY, 'f', 0], [wd, IN_ATTRIB, 'f', 0], [wd, IN_DELETE, 'f', 0],
      [wd, IN_CREATE | IN_ISDIR, 'sub', 0],
    ]);
  });

  it('pairs a rename with one cookie, and follows the file, not its name', () => {
    const { vfs, instance, d } = setup();
    vfs.open(vfs.root, '/d/a', O_CREAT | O_WRONLY, 0o644).close();
    const dirWd = vfs.events.add(instance, d, IN_MOVED_FROM | IN_MOVED_TO);
    const fileWd = vfs.events.add(instance, vfs.lookup(vfs.root, '/d/a', { followLast: true }), IN_ATTRIB);
    vfs.rename(vfs.root, '/d/a', vfs.root, '/d/b', 0);
    vfs.setAttr(vfs.lookup(vfs.root, '/d/b', { followLast: true }), { mode: 0o600 });
    const got = events(instance);
    expect(got.map(([wd, mask, name]) => [wd, mask, name])).toEqual([
      [dirWd, IN_MOVED_FROM, 'a'], [dirWd, IN_MOVED_TO, 'b'], [fileWd, IN_ATTRIB, ''],
    ]);
    expect(got[0]![3]).not.toBe(0);
    expect(got[0]![3]).toBe(got[1]![3]);
  });

  it('ends a watch with IN_IGNORED: removed, one-shot, or its file deleted', () => {
    const { vfs, instance, d } = setup();
    const oneShot = vfs.events.add(instance, d, IN_CREATE | IN_ONESHOT);
    vfs.open(vfs.root, '/d/x', O_CREAT | O_WRONLY, 0o644).close();
    vfs.open(vfs.root, '/d/y', O_CREAT | O_WRONLY, 0o644).close();
    const onFile = vfs.events.add(instance, vfs.lookup(vfs.root, '/d/x', { followLast: true }), IN_DELETE_SELF);
    vfs.unlink(vfs.root, '/d/x');
    expect(events(instance).map(([wd, mask, name]) => [wd, mask, name])).toEqual([
      [oneShot, IN_CREATE, 'x'], [oneShot, IN_IGNORED, ''], [onFile, IN_DELETE_SELF, ''], [onFile, IN_IGNORED, ''],
    ]);
    expect(errnoOf(() => instance.removeWatch(onFile))).toBe(Errno.EINVAL);
    expect(vfs.events.active).toBe(false);
  });

  it('reports opens and the close of the last reference, for files opened while watched', () => {
    const { vfs, instance, d } = setup();
    vfs.open(vfs.root, '/d/f', O_CREAT | O_WRONLY, 0o644).close();
    const wd = vfs.events.add(instance, d, IN_OPEN | IN_CLOSE_WRITE);
    const f = vfs.open(vfs.root, '/d/f', O_WRONLY, 0);
    retainFile(f);
    retainFile(f); // a dup
    releaseFile(f);
    expect(events(instance).map(([, mask]) => mask)).toEqual([IN_OPEN]);
    releaseFile(f);
    expect(events(instance)).toEqual([[wd, IN_CLOSE_WRITE, 'f', 0]]);
  });

  it('refuses a watch mask with no event, or with IN_MASK_ADD and IN_MASK_CREATE', () => {
    const { vfs, instance, d } = setup();
    expect(errnoOf(() => vfs.events.add(instance, d, 0))).toBe(Errno.EINVAL);
    expect(errnoOf(() => vfs.events.add(instance, d, IN_CREATE | 0x2000_0000 | 0x1000_0000))).toBe(Errno.EINVAL);
  });
});
