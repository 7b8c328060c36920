/**
 * The file bytes of ELF images, read once and kept for the next execve of the same file: a
 * program run again (a shell's commands, a build's compiler, a dynamic loader) is neither read
 * nor parsed again. A cached image's read-only mappings share its VMOs copy-on-write, as fork
 * shares them; its writable ones get a copy (pmem.copy, which skips untouched pages).
 *
 * @module
 */
import { Vmo, pageRoundUp, type MemoryAccount, type PmemAllocator, type Vmar, type VmoOrigin, type VmoSource } from '@rvisor/zircon-object';
import { PROT_WRITE } from '../abi/index.js';
import type { Stat } from '../abi/stat.js';
import { layoutElf, type ElfLayout } from '../elf/layout.js';
import type { ElfImage } from '../elf/parse.js';
import type { FileSystem } from '../fs/inode.js';
import type { FileCapabilities } from './capabilities.js';

/** What an image is loaded with: where its VMOs come from and how file bytes are read. */
export interface ImageSource {
  allocator: PmemAllocator;
  account?: MemoryAccount;
  /** The VMOs' name (the program's path). */
  name: string;
  /** The program file's device and inode, for /proc/<pid>/maps. */
  origin: VmoOrigin;
  /** Fill [vmoOffset, vmoOffset+length) of fresh `vmo` with the file's bytes at `offset` (zeros past the end). */
  readInto(vmo: Vmo, vmoOffset: number, offset: number, length: number): void;
  /** The file as the source of an unshared image's VMOs, which madvise's discards read again. */
  vmoSource(): VmoSource;
}

/**
 * An ELF image with the file bytes of each of its mappings in a VMO. Reference counted: the cache
 * holds one reference, an execve using it another.
 */
export class LoadedImage {
  readonly image: ElfImage;
  /** Bytes of pmem its VMOs take (their sizes). */
  readonly bytes: number;
  /**
   * One per mapping of `layoutElf(image, bias)` (the same for any bias): its file bytes, in whole
   * pages; null if it has none.
   */
  readonly #vmos: (Vmo | null)[];
  /**
   * What execve read of the file's capabilities (null: none), kept with the image for the next
   * execve of the unchanged file; undefined until read.
   */
  fileCaps: FileCapabilities | null | undefined;
  #refs = 1;
  #shared: boolean;
  #mapped = false;

  /**
   * Read the mappings' file bytes. Their zero pages past those (the bss) are allocated when the
   * image is mapped, past execve's point of no return, as Linux does. A `shared` image is one the
   * cache may hold: its VMOs are then never handed over.
   */
  constructor(image: ElfImage, source: ImageSource, shared: boolean) {
    this.image = image;
    this.#shared = shared;
    this.#vmos = [];
    let bytes = 0;
    try {
      for (const m of layoutElf(image, 0).mappings) {
        const fileBytes = Math.min(m.fileBytes, m.end - m.start);
        const size = pageRoundUp(fileBytes);
        if (size === 0) {
          this.#vmos.push(null);
          continue;
        }
        const vmo = Vmo.create(source.allocator, size, { account: source.account, name: source.name, origin: source.origin, originOffset: m.fileOffset });
        this.#vmos.push(vmo);
        bytes += size;
        // A fresh VMO is zero: the rest of the last page stays zero, as the bss needs.
        source.readInto(vmo, 0, m.fileOffset, fileBytes);
        // What a discarded page of the program reads again (madvise): the kept bytes of a shared
        // image, which never change, or the file.
        if (shared) vmo.freeze();
        else vmo.setSource(source.vmoSource(), m.fileOffset);
      }
    } catch (err) {
      for (const vmo of this.#vmos) vmo?.close();
      throw err;
    }
    this.bytes = bytes;
  }

  /** Whether the cache may hold it (it was loaded to be shared). */
  get shareable(): boolean {
    return this.#shared;
  }

  /**
   * Map the image into `vmar` at `layout` (`layoutElf(this.image, bias)`). An image not loaded to
   * be shared hands its VMOs over, so it can be mapped once only.
   */
  mapInto(vmar: Vmar, layout: ElfLayout, allocator: PmemAllocator, account: MemoryAccount | undefined, name: string): void {
    if (!this.#shared && this.#mapped) throw new Error('an unshared image is mapped once');
    this.#mapped = true;
    layout.mappings.forEach((m, i) => {
      const len = m.end - m.start;
      const vmo = this.#vmos[i];
      if (vmo && vmo.size === len && !(this.#shared && (m.prot & PROT_WRITE) !== 0)) {
        // Read-only memory of a shared image is shared copy-on-write; an unshared image's is its own.
        vmar.map({ vmo, len, prot: m.prot, addr: m.start, fixed: true, name, copyOnWrite: this.#shared });
      } else {
        const copy = vmo ? vmo.createChildCopy(0, vmo.size, len) : Vmo.create(allocator, len, { account, name });
        try {
          vmar.map({ vmo: copy, len, prot: m.prot, addr: m.start, fixed: true, name, copyOnWrite: false });
        } finally {
          copy.close();
        }
      }
    });
  }

  retain(): void {
    this.#refs++;
  }

  /** Drop a reference; the last one drops the VMOs (their mappings keep what they map). */
  release(): void {
    if (--this.#refs > 0) return;
    for (const vmo of this.#vmos) vmo?.close();
    this.#vmos.length = 0;
  }
}

/**
 * The most bytes a cache holds (the least recently used go first), and twice the largest file it
 * keeps. Big enough for a compiler's files: gcc's cc1 is 33 MB, rustc maps a 154 MB driver and a
 * 200 MB LLVM, and a file not kept is read again by every process that runs or maps it. What is
 * kept is charged to the container and dropped when it runs short, as Linux's page cache is.
 */
export const IMAGE_CACHE_BYTES = 512 * 1024 * 1024;
/**
 * A file is cached only once its ctime is this old: any later change to it then gets a newer
 * ctime, however coarse the clock that stamps it (git's rule for "racily clean" files).
 */
export const IMAGE_SETTLED_MS = 2000;
/** File systems whose files' content changes only with their ctime. */
const CACHEABLE_FS: ReadonlySet<string> = new Set(['hostfs', 'tmpfs']);

const fsNumbers = new WeakMap<FileSystem, number>();
let nextFsNumber = 1;

function fsNumber(fs: FileSystem): number {
  let n = fsNumbers.get(fs);
  if (n === undefined) fsNumbers.set(fs, (n = nextFsNumber++));
  return n;
}

/** What a {@link KeptFiles} cache holds: reference counted, with the pmem it takes. */
export interface KeptFile {
  readonly bytes: number;
  retain(): void;
  release(): void;
}

/**
 * What a kernel keeps read from files, by file (file system, device, inode), for the next use of
 * the same unchanged file. An entry is used only while the file's size, mtime and ctime are those
 * it was read with; otherwise it is dropped and the file read again.
 */
export class KeptFiles<T extends KeptFile> {
  readonly maxBytes: number;
  /** In least recently used order. */
  readonly #entries = new Map<string, { version: string; kept: T }>();
  #bytes = 0;
  #closed = false;

  constructor(maxBytes = IMAGE_CACHE_BYTES) {
    this.maxBytes = maxBytes;
  }

  /** Bytes the kept entries take. */
  get bytes(): number {
    return this.#bytes;
  }

  /** The entry of the file, with a reference for the caller; undefined if none is valid. */
  get(fs: FileSystem, st: Stat): T | undefined {
    const key = keyOf(fs, st);
    const e = this.#entries.get(key);
    if (!e) return undefined;
    this.#entries.delete(key);
    if (e.version !== versionOf(st)) {
      this.#drop(e.kept);
      return undefined;
    }
    this.#entries.set(key, e);
    e.kept.retain();
    return e.kept;
  }

  /** Whether what is read of this file now may be kept (see {@link IMAGE_SETTLED_MS}). */
  accepts(fs: FileSystem, st: Stat, now = Date.now()): boolean {
    if (this.#closed || !CACHEABLE_FS.has(fs.type) || st.size > this.maxBytes / 2) return false;
    return st.ctime.sec * 1000 + st.ctime.nsec / 1e6 <= now - IMAGE_SETTLED_MS;
  }

  /** Keep `kept` for the file; the cache takes its own reference. */
  put(fs: FileSystem, st: Stat, kept: T): void {
    const key = keyOf(fs, st);
    const old = this.#entries.get(key);
    if (old) {
      this.#entries.delete(key);
      this.#drop(old.kept);
    }
    kept.retain();
    this.#entries.set(key, { version: versionOf(st), kept });
    this.#bytes += kept.bytes;
    for (const [k, e] of this.#entries) {
      if (this.#bytes <= this.maxBytes) break;
      this.#entries.delete(k);
      this.#drop(e.kept);
    }
  }

  /**
   * Drop every entry and keep none from now on: the container is over, and its sandbox's pmem
   * (shared with other containers) must not keep them.
   */
  close(): void {
    this.#closed = true;
    this.clear();
  }

  /** Drop every entry (memory pressure); returns whether there was any. */
  clear(): boolean {
    const any = this.#entries.size > 0;
    for (const e of this.#entries.values()) this.#drop(e.kept);
    this.#entries.clear();
    return any;
  }

  #drop(kept: T): void {
    this.#bytes -= kept.bytes;
    kept.release();
  }
}

/** A kernel's loaded ELF images (execve). */
export class ImageCache extends KeptFiles<LoadedImage> {
  override put(fs: FileSystem, st: Stat, image: LoadedImage): void {
    if (!image.shareable) throw new Error('only a shareable image is cached');
    super.put(fs, st, image);
  }
}

function keyOf(fs: FileSystem, st: Stat): string {
  return `${fsNumber(fs)}:${st.dev}:${st.ino}`;
}

/** A file's version: two stats with the same one are of the same, unchanged file. */
export function versionOf(st: Stat): string {
  return `${st.dev}:${st.ino}:${st.size}:${st.mtime.sec}.${st.mtime.nsec}:${st.ctime.sec}.${st.ctime.nsec}`;
}
