/**
 * Process file descriptors (pidfd_open, clone's CLONE_PIDFD): an fd that names one process for
 * good, whatever pid is reused later. It polls readable once the process has exited (and hung
 * up once it is reaped), and pidfd_send_signal, pidfd_getfd and waitid(P_PIDFD) act on it.
 *
 * @module
 */
import { O_NONBLOCK, O_RDWR } from '../abi/fcntl.js';
import { POLLHUP, POLLIN } from '../abi/poll.js';
import type { Stat } from '../abi/stat.js';
import { anonInodeStat } from '../fs/anon-inode.js';
import { FileBase } from '../fs/open-file.js';
import { Readiness } from '../fs/readiness.js';
import type { Kernel } from './kernel.js';
import type { LinuxProcess } from './process.js';

/** A pidfd's open file. */
export class PidFd extends FileBase {
  readonly #stat = anonInodeStat();
  readonly #kernel: Kernel;

  constructor(
    kernel: Kernel,
    readonly process: LinuxProcess,
    flags: number,
  ) {
    super('anon_inode:[pidfd]', O_RDWR | (flags & O_NONBLOCK));
    this.#kernel = kernel;
    process.exitReadiness ??= new Readiness();
  }

  /** Whether the process is gone for good: reaped, its pid free. */
  get reaped(): boolean {
    return this.#kernel.processes.get(this.process.pid) !== this.process;
  }

  get readiness(): Readiness {
    return this.process.exitReadiness!;
  }

  override poll(events: number): number {
    if (!this.process.dead) return 0;
    return (POLLIN & events) | (this.reaped ? POLLHUP : 0);
  }

  override stat(): Stat {
    return this.#stat;
  }
}
