/**
 * Builds small ELF64 files for the loader's unit tests.
 * @internal
 */

export interface TestPhdr {
  type: number;
  flags?: number;
  offset?: number;
  vaddr?: number;
  filesz?: number;
  memsz?: number;
  align?: number;
}

export interface TestElf {
  type?: number;
  machine?: number;
  entry?: number;
  phoff?: number;
  phentsize?: number;
  phnum?: number;
  phdrs: TestPhdr[];
  /** Bytes to write at given file offsets (e.g. the PT_INTERP string). */
  extra?: { at: number; data: Uint8Array }[];
  size?: number;
}

/** Encodes an ELF file from a description; fields not given take valid defaults. */
export function buildTestElf(desc: TestElf): Uint8Array {
  const phoff = desc.phoff ?? 64;
  const size = desc.size ?? 0x3000;
  const bytes = new Uint8Array(size);
  const view = new DataView(bytes.buffer);
  bytes.set([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0]);
  view.setUint16(16, desc.type ?? 2, true);
  view.setUint16(18, desc.machine ?? 62, true);
  view.setUint32(20, 1, true);
  view.setBigUint64(24, BigInt(desc.entry ?? 0x401000), true);
  view.setBigUint64(32, BigInt(phoff), true);
  view.setUint16(52, 64, true);
  view.setUint16(54, desc.phentsize ?? 56, true);
  view.setUint16(56, desc.phnum ?? desc.phdrs.length, true);
  desc.phdrs.forEach((ph, i) => {
    const at = phoff + i * 56;
    if (at + 56 > size) return;
    view.setUint32(at, ph.type, true);
    view.setUint32(at + 4, ph.flags ?? 4, true);
    view.setBigUint64(at + 8, BigInt(ph.offset ?? 0), true);
    view.setBigUint64(at + 16, BigInt(ph.vaddr ?? 0), true);
    view.setBigUint64(at + 24, BigInt(ph.vaddr ?? 0), true);
    view.setBigUint64(at + 32, BigInt(ph.filesz ?? 0), true);
    view.setBigUint64(at + 40, BigInt(ph.memsz ?? ph.filesz ?? 0), true);
    view.setBigUint64(at + 48, BigInt(ph.align ?? 0x1000), true);
  });
  for (const { at, data } of desc.extra ?? []) bytes.set(data, at);
  return bytes;
}
