/**
 * The VFS: file systems and inodes, open files, path resolution over a mount table, per-process
 * fd tables and fs contexts, devfs, and host stdio streams.
 *
 * @module
 */
export { FileType, fileTypeOfMode, modeOfFileType } from './file-type.js';
export type {
  DirEntry, FileChanges, FileSystem, INode, KeptAttrs, SetAttr, SetTime, StatFs,
} from './inode.js';
export { INodeBase, RENAME_EXCHANGE, RENAME_NOREPLACE, applySetAttr } from './inode.js';
export type { FileOwner, Interruptible, OpenFile } from './open-file.js';
export { FileBase, fileIdentity, openStatusFlags, readIntoVmo, seekPosition } from './open-file.js';
export { DirectoryFile, directorySeek, fillDirents } from './directory-file.js';
export { PathOnlyFile } from './path-file.js';
export type { Mount, PathRef } from './path-ref.js';
export { joinPath, sameRef } from './path-ref.js';
export { DELETED, stillNamed, unnamedPath } from './mapped-names.js';
export type { LookupOptions } from './vfs.js';
export { Vfs, checkAttrType, checkPath, setInodeAttr } from './vfs.js';
export {
  FsEvents, IN_ACCESS, IN_ALL_EVENTS, IN_ATTRIB, IN_CLOSE_NOWRITE, IN_CLOSE_WRITE, IN_CREATE, IN_DELETE, IN_DELETE_SELF,
  IN_DONT_FOLLOW, IN_EXCL_UNLINK, IN_IGNORED, IN_ISDIR, IN_MASK_ADD, IN_MASK_CREATE, IN_MODIFY, IN_MOVE_SELF, IN_MOVED_FROM,
  IN_MOVED_TO, IN_ONESHOT, IN_ONLYDIR, IN_OPEN, IN_Q_OVERFLOW, InotifyFile, checkWatchMask, fileClosed,
} from './inotify.js';
export { statfsCodec } from './statfs.js';
export { FsContext } from './fs-context.js';
export {
  CLOSE_RANGE_CLOEXEC, CLOSE_RANGE_UNSHARE, DEFAULT_NOFILE, FdTable, checkCloseRange, fileReferences, releaseFile, retainFile,
} from './fd-table.js';
export type { LockRequest, LockType, RecordLock } from './locks.js';
export { FileLocks, fileLocks } from './locks.js';
export type { DeviceOpener, DevFsOptions } from './devfs.js';
export {
  CharDeviceFile, DevDirectory, DevFs, DevNode, DevSymlink, MEMORY_DEVICES, memoryDevices,
} from './devfs.js';
export type { HostWatcher, PollNow } from './host-readiness.js';
export { HostReadiness } from './host-readiness.js';
export type { Termios, LineDisciplineHost } from './line-discipline.js';
export { LineDiscipline, decodeTermios, defaultTermios, encodeTermios } from './line-discipline.js';
export type { PtyEnvironment } from './pty.js';
export { PTY_MAX, PTY_SLAVE_MAJOR, Pty, PtyMasterFile, PtySlaveFile } from './pty.js';
export type { Terminal, TerminalFile } from './tty.js';
export {
  HostTerminal, acquiresTerminal, attachControllingTerminal, controllingTerminal, detachControllingTerminal,
  processGroup, signalForeground, terminalOf,
} from './tty.js';
export type { HostStreamFileOptions, HostStreamOps } from './host-stream-file.js';
export { HostStreamFile } from './host-stream-file.js';
export { PIPE_BUF, PIPE_CAPACITY, PIPE_MAX_SIZE, PipeBuffer, PipeReadEnd, PipeWriteEnd, createPipe, pipeBufferOf } from './pipe.js';
export type { TmpFsOptions } from './tmpfs.js';
export { TMPFS_MAGIC, TmpDir, TmpFifo, TmpFile, TmpFileHandle, TmpFs, TmpSocket, TmpSymlink } from './tmpfs.js';
export { FifoState } from './fifo.js';
export type { ProcFsOptions } from './procfs.js';
export { PROC_SUPER_MAGIC, ProcFs, ProcessDir } from './procfs.js';
export type { SysFsOptions } from './sysfs.js';
export { SYSFS_MAGIC, SysFs } from './sysfs.js';
export type { ReadinessListener } from './readiness.js';
export { Readiness, waitUntilReady } from './readiness.js';
export { anonInodeStat, socketStat } from './anon-inode.js';
export { EFD_CLOEXEC, EFD_NONBLOCK, EFD_SEMAPHORE, EventFdFile } from './eventfd.js';
export type { TimerSetting } from './timerfd.js';
export {
  TFD_CLOEXEC, TFD_NONBLOCK, TFD_TIMER_ABSTIME, TFD_TIMER_CANCEL_ON_SET, TimerFdFile,
} from './timerfd.js';
export {
  SFD_CLOEXEC, SFD_NONBLOCK, SIGNALFD_SIGINFO_SIZE, SignalFdFile, encodeSignalfdSiginfo,
} from './signalfd.js';
export type { Received, SendOptions, UnixAddress, UnixCredentials } from './unix-socket.js';
export {
  MSG_CMSG_CLOEXEC, MSG_CTRUNC, MSG_DONTWAIT, MSG_EOR, MSG_NOSIGNAL, MSG_PEEK, MSG_TRUNC, MSG_WAITALL,
  NO_CREDENTIALS, SHUT_RD, SHUT_RDWR, SHUT_WR, SOCK_CLOEXEC, SOCK_DGRAM, SOCK_NONBLOCK, SOCK_SEQPACKET,
  SOCK_STREAM, SOMAXCONN, UNIX_SOCKET_BUFFER, UnixSocket, createSocketPair, createUnixSocket, isAbstractAddress,
} from './unix-socket.js';
export type { EpollEvent } from './epoll.js';
export {
  EPOLLET, EPOLLEXCLUSIVE, EPOLLONESHOT, EPOLLWAKEUP, EPOLL_CLOEXEC, EPOLL_CTL_ADD, EPOLL_CTL_DEL,
  EPOLL_CTL_MOD, EPOLL_EVENT_SIZE, EpollFile,
} from './epoll.js';
export type { AccessIds, Ownership } from './permission.js';
export {
  MAY_EXEC, MAY_READ, MAY_WRITE, checkAccess, checkInodeAccess, checkHardlinkSource, checkSetAttr, checkSticky, fsIds,
  hasCapability, inGroup, isOwnerOrRoot, mayAccess, newFileOwner, realIds,
} from './permission.js';
export { DN_ACCESS, DN_ATTRIB, DN_CREATE, DN_DELETE, DN_MODIFY, DN_MULTISHOT, DN_RENAME, ownerProcesses, setDirNotify } from './dnotify.js';
export { FilePrivileges } from './file-privileges.js';
export {
  XATTR_CREATE, XATTR_LIST_MAX, XATTR_NAME_CAPS, XATTR_NAME_MAX, XATTR_REPLACE, XATTR_SIZE_MAX, XattrTable,
  getXattr, listXattrs, parseFileCaps, removeXattr, setXattr, type XattrStore, type XattrTarget,
} from './xattr.js';
