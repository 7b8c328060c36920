import { bytesToString } from '@rvisor/zircon-object';
import { PROT_EXEC, PROT_READ, PROT_WRITE } from '../abi/mman.js';
import {
  EHDR_SIZE,
  EM_X86_64,
  ET_DYN,
  ET_EXEC,
  MAX_LOAD_TOTAL,
  MAX_PHNUM,
  PAGE_SIZE,
  PATH_MAX,
  PF,
  PHDR_SIZE,
  PT,
  USER_ADDRESS_LIMIT,
} from './constants.js';
import { ElfError, hex } from './error.js';

/** One PT_LOAD segment, at its link-time (unbiased) address. */
export interface ElfLoadSegment {
  /** `p_vaddr`. */
  readonly vaddr: number;
  /** `p_memsz`: bytes of memory, including the zero-filled tail (bss). */
  readonly memsz: number;
  /** `p_filesz`: bytes taken from the file. */
  readonly filesz: number;
  /** `p_offset`: where those bytes start in the file. */
  readonly offset: number;
  /** mmap protection bits: PROT_READ 1 | PROT_WRITE 2 | PROT_EXEC 4. */
  readonly prot: number;
}

/** The PT_TLS template, at its link-time address. */
export interface ElfTls {
  readonly vaddr: number;
  readonly offset: number;
  readonly filesz: number;
  readonly memsz: number;
  readonly align: number;
}

/**
 * What the loader needs to know about an executable or interpreter, validated. Addresses are
 * link-time addresses: for `type: 'dyn'` add the load bias.
 */
export interface ElfImage {
  /** `exec` for ET_EXEC (fixed addresses), `dyn` for ET_DYN (PIE or shared object). */
  readonly type: 'exec' | 'dyn';
  /** `e_entry`. */
  readonly entry: number;
  /** `e_phoff`: where the program headers are in the file. */
  readonly phoff: number;
  /** `e_phentsize` (always 56). */
  readonly phentsize: number;
  /** `e_phnum`. */
  readonly phnum: number;
  /** The PT_INTERP path (the dynamic loader), without its terminating NUL. */
  readonly interp?: string;
  /**
   * The PT_LOAD segments in ascending `p_vaddr` order. They may overlap: a later segment's pages
   * replace an earlier one's, as Linux's MAP_FIXED mappings do.
   */
  readonly loads: readonly ElfLoadSegment[];
  /** Where the program headers are in memory: PT_PHDR, or found in the segment that maps them. */
  readonly phdrVaddr: number;
  /** Whether PT_GNU_STACK asks for an executable stack (false without PT_GNU_STACK on x86-64). */
  readonly stackExec: boolean;
  /** The PT_TLS template, if any. */
  readonly tls?: ElfTls;
}

interface RawPhdr {
  readonly index: number;
  readonly type: number;
  readonly flags: number;
  readonly offset: number;
  readonly vaddr: number;
  readonly filesz: number;
  readonly memsz: number;
  readonly align: number;
}

interface FileHeader {
  readonly type: 'exec' | 'dyn';
  readonly entry: number;
  readonly phoff: number;
  readonly phnum: number;
}

const ELF_MAGIC = [0x7f, 0x45, 0x4c, 0x46];

function viewOf(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** Reads a u64 as a number, refusing values that a number cannot hold exactly. */
function readU64(view: DataView, off: number, what: string): number {
  const v = view.getBigUint64(off, true);
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new ElfError(`${what} (${hex(v)}) is too large`);
  return Number(v);
}

function readFileHeader(bytes: Uint8Array): FileHeader {
  if (bytes.length < EHDR_SIZE) {
    const complete = bytes.length >= 4 && ELF_MAGIC.every((b, i) => bytes[i] === b);
    throw new ElfError(
      `truncated ELF header: ${bytes.length} of ${EHDR_SIZE} bytes`,
      complete ? EHDR_SIZE : undefined,
    );
  }
  if (!ELF_MAGIC.every((b, i) => bytes[i] === b)) throw new ElfError('bad magic (not an ELF file)');
  // Like Linux's load_elf_binary, trust e_machine, not EI_CLASS or EI_DATA: the headers are read
  // as ELF64 little-endian whatever e_ident says (an i386 file fails on e_machine).
  const view = viewOf(bytes);
  const eType = view.getUint16(16, true);
  if (eType !== ET_EXEC && eType !== ET_DYN) {
    throw new ElfError(`e_type ${eType}: not an executable (ET_EXEC or ET_DYN)`);
  }
  const machine = view.getUint16(18, true);
  if (machine !== EM_X86_64) throw new ElfError(`e_machine ${machine}: not x86-64 (${EM_X86_64})`);
  const phentsize = view.getUint16(54, true);
  if (phentsize !== PHDR_SIZE) {
    throw new ElfError(`e_phentsize ${phentsize}: must be ${PHDR_SIZE}`);
  }
  const phnum = view.getUint16(56, true);
  if (phnum < 1 || phnum > MAX_PHNUM) throw new ElfError(`e_phnum ${phnum}: must be 1..${MAX_PHNUM}`);
  const phoff = readU64(view, 32, 'e_phoff');
  const entry = readU64(view, 24, 'e_entry');
  return { type: eType === ET_EXEC ? 'exec' : 'dyn', entry, phoff, phnum };
}

/**
 * How many bytes from the start of the file {@link parseElf} needs: the file header, the program
 * headers and the PT_INTERP string. Call it with what you have (say the first 4 KiB); if it answers
 * more than you gave, read that many bytes and call it again (the answer only grows once: from the
 * file header to the program headers, then to the PT_INTERP string).
 *
 * @throws ElfError if what is already readable is invalid.
 */
export function elfHeaderSpan(bytes: Uint8Array): number {
  if (bytes.length < EHDR_SIZE) {
    if (bytes.length >= 4 && !ELF_MAGIC.every((b, i) => bytes[i] === b)) {
      throw new ElfError('bad magic (not an ELF file)');
    }
    return EHDR_SIZE;
  }
  const header = readFileHeader(bytes);
  const phEnd = header.phoff + header.phnum * PHDR_SIZE;
  if (bytes.length < phEnd) return phEnd;
  let span = phEnd;
  for (const ph of readProgramHeaders(bytes, header)) {
    if (ph.type === PT.INTERP) {
      span = Math.max(span, ph.offset + ph.filesz);
      break;
    }
  }
  return span;
}

function readProgramHeaders(bytes: Uint8Array, header: FileHeader): RawPhdr[] {
  const view = viewOf(bytes);
  const phdrs: RawPhdr[] = [];
  for (let index = 0; index < header.phnum; index++) {
    const at = header.phoff + index * PHDR_SIZE;
    const where = `program header ${index}`;
    phdrs.push({
      index,
      type: view.getUint32(at, true),
      flags: view.getUint32(at + 4, true),
      offset: readU64(view, at + 8, `${where}: p_offset`),
      vaddr: readU64(view, at + 16, `${where}: p_vaddr`),
      filesz: readU64(view, at + 32, `${where}: p_filesz`),
      memsz: readU64(view, at + 40, `${where}: p_memsz`),
      align: readU64(view, at + 48, `${where}: p_align`),
    });
  }
  return phdrs;
}

function protOf(flags: number): number {
  return (
    (flags & PF.R ? PROT_READ : 0) | (flags & PF.W ? PROT_WRITE : 0) | (flags & PF.X ? PROT_EXEC : 0)
  );
}

function isPowerOfTwo(n: number): boolean {
  const b = BigInt(n);
  return (b & (b - 1n)) === 0n;
}

function checkLoad(ph: RawPhdr, fileSize: number): void {
  const where = `program header ${ph.index}`;
  if (ph.filesz > ph.memsz) {
    throw new ElfError(`${where}: p_filesz (${hex(ph.filesz)}) > p_memsz (${hex(ph.memsz)})`);
  }
  if (ph.offset + ph.filesz > fileSize) {
    throw new ElfError(
      `${where}: p_offset + p_filesz (${hex(ph.offset + ph.filesz)}) is beyond the file (${hex(fileSize)} bytes)`,
    );
  }
  if (ph.vaddr + ph.memsz > USER_ADDRESS_LIMIT) {
    throw new ElfError(
      `${where}: p_vaddr + p_memsz (${hex(ph.vaddr + ph.memsz)}) is beyond the user address space (${hex(USER_ADDRESS_LIMIT)})`,
    );
  }
  if (ph.align > 1 && !isPowerOfTwo(ph.align)) {
    throw new ElfError(`${where}: p_align (${hex(ph.align)}) is not a power of two`);
  }
  // mmap needs the file offset and the address to share their offset within a page.
  if ((ph.vaddr - ph.offset) % PAGE_SIZE !== 0) {
    throw new ElfError(
      `${where}: p_vaddr (${hex(ph.vaddr)}) and p_offset (${hex(ph.offset)}) are not congruent modulo the page size`,
    );
  }
}

function checkLoadOrder(loads: readonly RawPhdr[]): void {
  let total = 0;
  for (let i = 0; i < loads.length; i++) {
    const ph = loads[i]!;
    total += ph.memsz;
    if (total > MAX_LOAD_TOTAL) {
      throw new ElfError(
        `program header ${ph.index}: PT_LOAD segments total more than ${hex(MAX_LOAD_TOTAL)} bytes`,
      );
    }
    if (i === 0) continue;
    const prev = loads[i - 1]!;
    if (ph.vaddr < prev.vaddr) {
      throw new ElfError(
        `program header ${ph.index}: PT_LOAD p_vaddr (${hex(ph.vaddr)}) is below the previous one (${hex(prev.vaddr)})`,
      );
    }
    // Overlapping segments are allowed, as in Linux: each is mapped over the ones before it.
  }
}

function readInterp(bytes: Uint8Array, ph: RawPhdr, fileSize: number): string {
  const where = `program header ${ph.index}`;
  // Linux's limits in load_elf_binary: at least one character and the NUL, at most PATH_MAX.
  if (ph.filesz < 2 || ph.filesz > PATH_MAX) {
    throw new ElfError(`${where}: PT_INTERP size ${ph.filesz} is not in 2..${PATH_MAX}`);
  }
  const end = ph.offset + ph.filesz;
  if (end > fileSize) {
    throw new ElfError(`${where}: PT_INTERP (ends at ${hex(end)}) is beyond the file (${hex(fileSize)} bytes)`);
  }
  if (end > bytes.length) {
    throw new ElfError(`${where}: PT_INTERP lies beyond the ${bytes.length} bytes given`, end);
  }
  const raw = bytes.subarray(ph.offset, end);
  if (raw[raw.length - 1] !== 0) throw new ElfError(`${where}: PT_INTERP is not NUL-terminated`);
  const nul = raw.indexOf(0);
  return bytesToString(raw.subarray(0, nul));
}

function findPhdrVaddr(header: FileHeader, phdrs: readonly RawPhdr[], loads: readonly RawPhdr[]): number {
  const explicit = phdrs.find((ph) => ph.type === PT.PHDR);
  if (explicit) return explicit.vaddr;
  const tableEnd = header.phoff + header.phnum * PHDR_SIZE;
  const covering = loads.find((ph) => ph.offset <= header.phoff && tableEnd <= ph.offset + ph.filesz);
  if (covering) return covering.vaddr + (header.phoff - covering.offset);
  // Nothing maps the table: report where it would be had the first segment mapped it, as older
  // Linux did; a loader that reads AT_PHDR will find no valid table there either way.
  const first = loads[0]!;
  return first.vaddr - first.offset + header.phoff;
}

/**
 * Parses and validates the headers of an ELF64 little-endian x86-64 executable (ET_EXEC or ET_DYN).
 *
 * @param bytes the start of the file: at least {@link elfHeaderSpan} bytes (the first 4 KiB
 *   usually suffice).
 * @param fileSize the size of the whole file, to check segments against it.
 * @throws ElfError for anything Linux would refuse and anything that would make the mapping
 *   plan unsafe; `bytesNeeded` is set when `bytes` is too short to tell.
 */
export function parseElf(bytes: Uint8Array, fileSize: number): ElfImage {
  const header = readFileHeader(bytes);
  const phEnd = header.phoff + header.phnum * PHDR_SIZE;
  if (phEnd > fileSize) {
    throw new ElfError(
      `program headers (end at ${hex(phEnd)}) are beyond the file (${hex(fileSize)} bytes)`,
    );
  }
  if (phEnd > bytes.length) {
    throw new ElfError(`program headers lie beyond the ${bytes.length} bytes given`, phEnd);
  }
  const phdrs = readProgramHeaders(bytes, header);
  const loads = phdrs.filter((ph) => ph.type === PT.LOAD);
  if (loads.length === 0) throw new ElfError('no PT_LOAD segment');
  for (const ph of loads) checkLoad(ph, fileSize);
  checkLoadOrder(loads);

  const interpHeader = phdrs.find((ph) => ph.type === PT.INTERP);
  const interp = interpHeader ? readInterp(bytes, interpHeader, fileSize) : undefined;
  const stack = phdrs.find((ph) => ph.type === PT.GNU_STACK);
  const tlsHeader = phdrs.find((ph) => ph.type === PT.TLS);

  const image: ElfImage = {
    type: header.type,
    entry: header.entry,
    phoff: header.phoff,
    phentsize: PHDR_SIZE,
    phnum: header.phnum,
    loads: loads.map((ph) => ({
      vaddr: ph.vaddr,
      memsz: ph.memsz,
      filesz: ph.filesz,
      offset: ph.offset,
      prot: protOf(ph.flags),
    })),
    phdrVaddr: findPhdrVaddr(header, phdrs, loads),
    stackExec: stack !== undefined && (stack.flags & PF.X) !== 0,
    ...(interp !== undefined ? { interp } : {}),
    ...(tlsHeader
      ? {
          tls: {
            vaddr: tlsHeader.vaddr,
            offset: tlsHeader.offset,
            filesz: tlsHeader.filesz,
            memsz: tlsHeader.memsz,
            align: tlsHeader.align,
          },
        }
      : {}),
  };
  return image;
}
