/**
 * The vDSO execve gives every process when the platform has one ({@link GuestTime}): a time page
 * the platform keeps current (`[vvar]`) and, right after it, the vDSO's image (`[vdso]`), whose code
 * reads that page. Time calls then need no trap. Both are pmem, one VMO each for the container,
 * mapped read-only and copy-on-write: a guest that makes them writable writes its own copy.
 *
 * @module
 */
import { PAGE_SIZE, Vmo, pageRoundUp, type GuestTime, type MemoryAccount, type PmemAllocator, type Vmar } from '@rvisor/zircon-object';
import { PROT_EXEC, PROT_READ } from '../abi/index.js';

export class VdsoImage {
  readonly #time: GuestTime;
  readonly #page: Vmo;
  readonly #image: Vmo;
  #closed = false;

  constructor(time: GuestTime, image: Uint8Array, allocator: PmemAllocator, account: MemoryAccount) {
    this.#time = time;
    this.#page = Vmo.create(allocator, PAGE_SIZE, { account, name: '[vvar]' });
    this.#image = Vmo.create(allocator, pageRoundUp(image.length), { account, name: '[vdso]' });
    this.#image.write(0, image);
    time.keepPage(this.#page.pmemOffset);
  }

  /**
   * Map the time page and the image where the next top-down mmap would go (below the dynamic
   * loader, as Linux places them); the image's address, for AT_SYSINFO_EHDR (0: none, the
   * container being over).
   */
  mapInto(vmar: Vmar): number {
    if (this.#closed) return 0;
    const imageLen = this.#image.size;
    const at = vmar.findFree(PAGE_SIZE + imageLen);
    // As Linux's, the time page can never be made writable or executable (EACCES).
    vmar.map({ vmo: this.#page, len: PAGE_SIZE, prot: PROT_READ, addr: at, fixed: true, name: '[vvar]', copyOnWrite: true, maxProt: PROT_READ });
    vmar.map({ vmo: this.#image, len: imageLen, prot: PROT_READ | PROT_EXEC, addr: at + PAGE_SIZE, fixed: true, name: '[vdso]', copyOnWrite: true });
    return at + PAGE_SIZE;
  }

  /** The container is over: stop the page's updates before its frames can be reused. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#time.releasePage(this.#page.pmemOffset);
    this.#page.close();
    this.#image.close();
  }
}
