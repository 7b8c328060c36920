/**
 * dnotify (fcntl F_NOTIFY): changes in a directory as a signal to the owner of an fd open on it.
 * Each open directory with a F_NOTIFY mask holds one watch of the VFS's `FsEvents` (the same
 * events inotify hears); an event sends SIGIO, or the F_SETSIG signal with the fd and POLL_MSG,
 * to the file's owner (F_SETOWN; F_NOTIFY makes the caller the owner, as Linux's). Without
 * DN_MULTISHOT the registration ends after its first event.
 *
 * @module
 */
import { POLLIN, POLLMSG, POLLRDNORM } from '../abi/poll.js';
import { Signo } from '../abi/signal.js';
import { Errno, KernelError } from '../errno.js';
import type { Kernel } from '../process/kernel.js';
import type { LinuxProcess } from '../process/process.js';
import { SI_KERNEL, sendSignal } from '../process/signals.js';
import { FileType } from './file-type.js';
import {
  IN_ACCESS, IN_ATTRIB, IN_CREATE, IN_DELETE, IN_IGNORED, IN_MODIFY, IN_MOVED_FROM, IN_MOVED_TO, IN_ONESHOT,
  type FsEvents, type QueuedEvent, type Watch, type WatchOwner,
} from './inotify.js';
import type { FileOwner, OpenFile } from './open-file.js';

export const DN_ACCESS = 0x1;
export const DN_MODIFY = 0x2;
export const DN_CREATE = 0x4;
export const DN_DELETE = 0x8;
export const DN_RENAME = 0x10;
export const DN_ATTRIB = 0x20;
export const DN_MULTISHOT = 0x8000_0000;

/** si_code of a dnotify signal sent with F_SETSIG's signal. */
const POLL_MSG = 3;

/** The inotify events a dnotify mask stands for (Linux's convert_arg; a rename is its old name's move). */
function eventsOf(arg: number): number {
  let mask = 0;
  if (arg & DN_ACCESS) mask |= IN_ACCESS;
  if (arg & DN_MODIFY) mask |= IN_MODIFY;
  if (arg & DN_CREATE) mask |= IN_CREATE | IN_MOVED_TO;
  if (arg & DN_DELETE) mask |= IN_DELETE | IN_MOVED_FROM;
  if (arg & DN_RENAME) mask |= IN_MOVED_FROM;
  if (arg & DN_ATTRIB) mask |= IN_ATTRIB;
  return mask;
}

/** One open directory's F_NOTIFY registration. */
class DirNotify implements WatchOwner {
  readonly watches = new Map<number, Watch>();
  /** The DN_* bits asked for so far (a later F_NOTIFY adds to them, as Linux's attach_dn). */
  mask = 0;

  constructor(
    private readonly kernel: Kernel,
    private readonly events: FsEvents,
    readonly file: OpenFile,
    public fd: number,
  ) {}

  nextWd(): number {
    return 1; // one watch per registration
  }

  queue(e: QueuedEvent): void {
    if (e.mask & IN_IGNORED) {
      forget(this.file); // a one-shot that fired, or its directory gone
      return;
    }
    const { owner, ownerSignal } = this.file;
    const info = ownerSignal === 0
      ? { signo: Signo.SIGIO, code: SI_KERNEL }
      : { signo: ownerSignal, code: POLL_MSG, poll: { band: POLLIN | POLLRDNORM | POLLMSG, fd: this.fd } };
    for (const proc of ownerProcesses(this.kernel, owner)) {
      sendSignal(this.kernel, proc, { ...info }, owner.type === 'thread' ? proc.threads.get(owner.id) : undefined);
    }
  }

  /** End the registration (F_NOTIFY with no events, or the file's close). */
  end(): void {
    for (const w of [...this.watches.values()]) this.events.remove(w, false);
    forget(this.file);
  }
}

function forget(file: OpenFile): void {
  registrations.delete(file);
}

/** The registrations, by open file; each ends at the latest when its file is closed. */
const registrations = new Map<OpenFile, DirNotify>();

/** The live processes `owner` (F_SETOWN's) names: one, a process group's, or a thread's; none for id 0. */
export function ownerProcesses(kernel: Kernel, owner: FileOwner): LinuxProcess[] {
  if (owner.id === 0) return [];
  const named = (p: LinuxProcess) =>
    owner.type === 'group' ? p.pgid === owner.id : owner.type === 'process' ? p.pid === owner.id : p.threads.has(owner.id);
  return [...kernel.processes.values()].filter((p) => !p.dead && named(p));
}

/**
 * fcntl(fd, F_NOTIFY, arg) by `pid` on `file`: watch its directory for the events `arg` names,
 * added to those the file asked for before; no event bit ends the registration. ENOTDIR unless
 * `file` is an open directory.
 */
export function setDirNotify(kernel: Kernel, events: FsEvents, file: OpenFile, fd: number, arg: number, pid: number): void {
  const ref = file.location;
  if (ref === undefined || ref.inode.type !== FileType.Directory) throw new KernelError(Errno.ENOTDIR);
  if (eventsOf(arg) === 0) {
    registrations.get(file)?.end();
    return;
  }
  let dn = registrations.get(file);
  if (dn === undefined) {
    dn = new DirNotify(kernel, events, file, fd);
    registrations.set(file, dn);
  }
  dn.fd = fd;
  dn.mask |= arg;
  events.add(dn, ref, eventsOf(dn.mask) | ((dn.mask & DN_MULTISHOT) !== 0 ? 0 : IN_ONESHOT));
  file.owner = { type: 'process', id: pid };
}

/** The last fd of `file` is closed: its registration, if any, ends. */
export function dirNotifyClosed(file: OpenFile): void {
  if (registrations.size > 0) registrations.get(file)?.end();
}
