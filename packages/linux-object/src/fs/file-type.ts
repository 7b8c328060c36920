/**
 * The kind of a file, as the VFS and directory entries name it.
 *
 * @module
 */
import {
  DT_BLK, DT_CHR, DT_DIR, DT_FIFO, DT_LNK, DT_REG, DT_SOCK, DT_UNKNOWN, S_IFMT,
} from '../abi/mode.js';

/** File types; each value is the `d_type` (`DT_*`) getdents64 reports for it. */
export const FileType = {
  Unknown: DT_UNKNOWN,
  Fifo: DT_FIFO,
  CharDevice: DT_CHR,
  Directory: DT_DIR,
  BlockDevice: DT_BLK,
  Regular: DT_REG,
  Symlink: DT_LNK,
  Socket: DT_SOCK,
} as const;
export type FileType = (typeof FileType)[keyof typeof FileType];

/** The file type encoded in a `st_mode`. */
export function fileTypeOfMode(mode: number): FileType {
  const t = (mode & S_IFMT) >>> 12;
  switch (t) {
    case DT_FIFO: case DT_CHR: case DT_DIR: case DT_BLK: case DT_REG: case DT_LNK: case DT_SOCK:
      return t;
    default:
      return FileType.Unknown;
  }
}

/** The `S_IF*` bits of a file type (0 for Unknown). */
export function modeOfFileType(type: FileType): number {
  return (type << 12) & S_IFMT;
}
