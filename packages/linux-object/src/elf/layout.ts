import { PAGE_SIZE, USER_ADDRESS_LIMIT } from './constants.js';
import { ElfError, hex } from './error.js';
import type { ElfImage } from './parse.js';

/** One page-aligned mapping the loader makes for a PT_LOAD segment. */
export interface ElfMapping {
  /** First address of the mapping (page aligned). */
  readonly start: number;
  /** End of the mapping, exclusive (page aligned). */
  readonly end: number;
  /** mmap protection bits. */
  readonly prot: number;
  /** File offset of the byte that goes at `start` (page aligned). */
  readonly fileOffset: number;
  /**
   * How many bytes to copy from the file starting at `fileOffset` to `start`; the rest of the
   * mapping, [start + fileBytes, end), is zero (the bss).
   */
  readonly fileBytes: number;
}

/** The loader's plan for one ELF image at one load bias. */
export interface ElfLayout {
  /**
   * The mappings in the segments' order. Mappings may share pages when the segments overlap or
   * share a page; apply them in order, so the later one provides those pages as Linux's MAP_FIXED
   * does.
   */
  readonly mappings: readonly ElfMapping[];
  /** Where the program break starts: the page-aligned end of the highest segment. */
  readonly brk: number;
  /** The entry point with the bias applied. */
  readonly entry: number;
  /** The program headers' address with the bias applied (AT_PHDR). */
  readonly phdr: number;
}

function pageDown(n: number): number {
  return n - (n % PAGE_SIZE);
}

function pageUp(n: number): number {
  return pageDown(n + PAGE_SIZE - 1);
}

/**
 * The page-aligned extent of an image's segments at link-time addresses, for choosing where to
 * put an ET_DYN image: reserve `end - start` bytes at some page-aligned base B, then load with
 * bias `B - start`.
 */
export function elfLoadSpan(image: ElfImage): { start: number; end: number } {
  const first = image.loads[0]!;
  // Segments may overlap, so the last one need not end highest.
  const end = Math.max(...image.loads.map((seg) => seg.vaddr + seg.memsz));
  return { start: pageDown(first.vaddr), end: pageUp(end) };
}

/**
 * Computes the mappings for an image.
 *
 * @param loadBias added to every address: 0 for ET_EXEC; for ET_DYN a page-aligned base chosen
 *   by the caller (0x555555554000 for a PIE main program, another base for an interpreter).
 * @throws ElfError if a segment would end beyond the user address space.
 * @throws RangeError if the bias is not page aligned, or non-zero for ET_EXEC.
 */
export function layoutElf(image: ElfImage, loadBias: number): ElfLayout {
  if (!Number.isSafeInteger(loadBias) || loadBias < 0 || loadBias % PAGE_SIZE !== 0) {
    throw new RangeError(`load bias ${hex(loadBias)} is not a page-aligned address`);
  }
  if (image.type === 'exec' && loadBias !== 0) {
    throw new RangeError('an ET_EXEC image loads at its own addresses: the bias must be 0');
  }
  const mappings = image.loads.map((seg): ElfMapping => {
    const vaddr = seg.vaddr + loadBias;
    const segEnd = vaddr + seg.memsz;
    if (segEnd > USER_ADDRESS_LIMIT) {
      throw new ElfError(
        `PT_LOAD at ${hex(seg.vaddr)} + bias ${hex(loadBias)} ends beyond the user address space (${hex(segEnd)})`,
      );
    }
    const start = pageDown(vaddr);
    // A segment with no file bytes is anonymous memory: nothing from the file, not even the
    // bytes that precede it in its first page.
    const fileBytes = seg.filesz === 0 ? 0 : vaddr - start + seg.filesz;
    return {
      start,
      end: pageUp(segEnd),
      prot: seg.prot,
      fileOffset: pageDown(seg.offset),
      fileBytes,
    };
  });
  const brk = Math.max(...mappings.map((m) => m.end));
  // An empty segment (p_memsz 0) maps nothing but still counts for the break.
  const nonEmpty = mappings.filter((m) => m.end > m.start);
  return { mappings: nonEmpty, brk, entry: image.entry + loadBias, phdr: image.phdrVaddr + loadBias };
}
