/**
 * The bytes of files that guests map (mmap of a file): read once into a VMO and kept for the next
 * mapping of the same unchanged file. A dynamic program's start maps its libraries, libc's 1.9 MB
 * among them, and reading them for every process cost more than the rest of its execve.
 *
 * @module
 */
import { Vmo, ZxError, ZxStatus, pageRoundUp, type VmoSource } from '@rvisor/zircon-object';
import { releaseFile, retainFile } from '../fs/fd-table.js';
import { preadFully, readIntoVmo, type OpenFile } from '../fs/open-file.js';
import type { Kernel } from './kernel.js';
import { versionOf } from './image-cache.js';

/** A file's bytes in whole pages (zeros past its end). Reference counted, as the cache wants. */
export class FileContents {
  readonly vmo: Vmo;
  readonly bytes: number;
  #refs = 1;

  constructor(vmo: Vmo) {
    this.vmo = vmo;
    this.bytes = vmo.size;
  }

  retain(): void {
    this.#refs++;
  }

  /** Drop a reference; the last one drops the VMO (mappings of it keep what they map). */
  release(): void {
    if (--this.#refs === 0) this.vmo.close();
  }
}

/**
 * A file up to this size is read whole for any mapping of it. A bigger one only for a mapping of at
 * least half of it, as a dynamic loader's first mapping of a library is: a program that maps a big
 * file a window at a time reads its windows, not the file.
 */
const READ_WHOLE_BYTES = 16 * 1024 * 1024;

/**
 * The kept contents of `file`, with a reference for the caller: from the kernel's cache, or read
 * now and kept when the file has settled. Undefined if it cannot be kept (another file system, a
 * file that changed lately or is too big, an empty one, a big file of which `length` bytes are a
 * small part, or more than the container's memory has room for): the caller reads what it maps
 * itself.
 */
export function keptContents(kernel: Kernel, file: OpenFile, length: number): FileContents | undefined {
  const fs = file.location?.inode.fs;
  if (fs === undefined) return undefined;
  const st = file.stat();
  const cached = kernel.mappedFiles.get(fs, st);
  if (cached) return cached;
  if (st.size === 0 || (st.size > READ_WHOLE_BYTES && length < st.size / 2) || !kernel.mappedFiles.accepts(fs, st)) return undefined;
  let vmo: Vmo;
  try {
    vmo = Vmo.create(kernel.allocator, pageRoundUp(st.size), {
      account: kernel.memoryAccount, name: file.path, origin: { dev: st.dev, ino: st.ino },
    });
  } catch (err) {
    if (err instanceof ZxError && err.status === ZxStatus.ERR_NO_MEMORY) return undefined; // the mapped part may fit
    throw err;
  }
  let kept = false;
  try {
    if (readIntoVmo(file, vmo, 0, 0, st.size) < st.size) return undefined; // shorter than its size said: changing
    if (versionOf(file.stat()) !== versionOf(st)) return undefined; // changed while read
    vmo.freeze(); // a copy's discarded pages read these bytes again (madvise)
    const contents = new FileContents(vmo);
    kept = true;
    kernel.mappedFiles.put(fs, st, contents);
    return contents;
  } finally {
    if (!kept) vmo.close();
  }
}

/**
 * `file` as the source of a private mapping's VMO read from it: discarded pages read the file
 * again. It keeps the file open while any copy of the mapping lives, as Linux's mapping keeps its
 * file. Bytes a read cannot give stay zeros (where Linux would raise SIGBUS on the access).
 */
export function fileSource(file: OpenFile): VmoSource {
  let users = 1;
  retainFile(file);
  return {
    readAt(buf, offset) {
      try {
        return preadFully(file, buf, offset);
      } catch {
        return 0; // an I/O error: zeros from here
      }
    },
    retain: () => void users++,
    release: () => {
      if (--users === 0) releaseFile(file);
    },
  };
}
