import { FakePhysicalMemory, PmemAllocator } from '@rvisor/zircon-object';
import { describe, expect, it } from 'vitest';
import { O_CREAT, O_WRONLY } from '../abi/fcntl.js';
import { MappedNames } from './mapped-names.js';
import { TmpFs } from './tmpfs.js';
import { Vfs } from './vfs.js';

function setup() {
  const vfs = new Vfs(new TmpFs({ allocator: new PmemAllocator(new FakePhysicalMemory()) }));
  const root = vfs.root;
  /** A new file at `path`, and its identity as a mapping of it keeps it. */
  const file = (path: string) => {
    vfs.open(root, path, O_CREAT | O_WRONLY, 0o644).close();
    const st = vfs.stat(root, path, false);
    return { dev: st.dev, ino: st.ino };
  };
  return { vfs, root, file, name: (path: string, origin?: { dev: bigint; ino: bigint }) => new MappedNames(vfs).of(path, origin) };
}

describe('the names of mappings in /proc/<pid>/maps', () => {
  it('are their paths while those lead to the file, and "<path> (deleted)" once not', () => {
    const { vfs, root, file, name } = setup();
    const lib = file('/lib.so');
    expect(name('/lib.so', lib)).toBe('/lib.so');
    vfs.unlink(root, '/lib.so');
    expect(name('/lib.so', lib)).toBe('/lib.so (deleted)');
    // Replaced by a rename (a package upgrade): the path leads to another file.
    const old = file('/app');
    file('/app.new');
    vfs.rename(root, '/app.new', root, '/app', 0);
    expect(name('/app', old)).toBe('/app (deleted)');
    // The name is what counts, as Linux's dentry: another link left does not keep it.
    const data = file('/a');
    vfs.link(root, '/a', root, '/b', false);
    vfs.unlink(root, '/a');
    expect(name('/a', data)).toBe('/a (deleted)');
    expect(name('/b', data)).toBe('/b');
  });

  it('leave names that are not paths, or that say so already, as they are', () => {
    const { file, name } = setup();
    const memfd = file('/x'); // a memfd's file, named as Linux names it
    expect(name('/memfd:cache (deleted)', memfd)).toBe('/memfd:cache (deleted)');
    expect(name('[heap]')).toBe('[heap]');
    expect(name('/nowhere')).toBe('/nowhere'); // no file behind it: anonymous memory named so
  });

  it('look each name up once per listing', () => {
    const { vfs, root, file } = setup();
    const lib = file('/lib.so');
    const names = new MappedNames(vfs);
    expect(names.of('/lib.so', lib)).toBe('/lib.so');
    vfs.unlink(root, '/lib.so');
    expect(names.of('/lib.so', lib)).toBe('/lib.so'); // the listing is of one moment
    expect(new MappedNames(vfs).of('/lib.so', lib)).toBe('/lib.so (deleted)');
  });
});
