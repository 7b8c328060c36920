/**
 * The VFS: file systems and inodes, open files, path resolution over a mount table, per-process
 * fd tables and fs contexts, devfs, and host stdio streams.
 *
 * @module
 */
export { FileType, fileTypeOfMode, modeOfFileType } from './file-type.js';
export type {
  DirEntry, FileChanges, FileSystem, INode, SetAttr, SetTime, StatFs,
} from './inode.js';
export { INodeBase, RENAME_EXCHANGE, RENAME_NOREPLACE } from './inode.js';
export type { Interruptible, OpenFile } from './open-file.js';
export { FileBase, openStatusFlags, seekPosition } from './open-file.js';
export { DirectoryFile, directorySeek, fillDirents } from './directory-file.js';
export { PathOnlyFile } from './path-file.js';
export type { Mount, PathRef } from './path-ref.js';
export { joinPath, sameRef } from './path-ref.js';
export type { LookupOptions } from './vfs.js';
export { Vfs, checkPath, setInodeAttr } from './vfs.js';
export { statfsCodec } from './statfs.js';
export { FsContext } from './fs-context.js';
export { DEFAULT_NOFILE, FdTable, fileReferences, releaseFile, retainFile } from './fd-table.js';
export type { DeviceOpener } from './devfs.js';
export {
  CharDeviceFile, DevDirectory, DevFs, DevNode, DevSymlink, MEMORY_DEVICES, memoryDevices,
} from './devfs.js';
export type { HostWatcher, PollNow } from './host-readiness.js';
export { HostReadiness } from './host-readiness.js';
export type { HostStreamFileOptions, HostStreamOps } from './host-stream-file.js';
export { HostStreamFile } from './host-stream-file.js';
export { PIPE_BUF, PIPE_CAPACITY, PipeReadEnd, PipeWriteEnd, createPipe } from './pipe.js';
export type { TmpFsOptions } from './tmpfs.js';
export { TMPFS_MAGIC, TmpDir, TmpFile, TmpFileHandle, TmpFs, TmpSymlink } from './tmpfs.js';
export type { ProcFsOptions } from './procfs.js';
export { DEFAULT_RLIMITS, PROC_SUPER_MAGIC, ProcFs, processLimit } from './procfs.js';
