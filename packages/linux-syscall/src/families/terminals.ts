/**
 * Syscall table entries of the terminals family (merged into the kernel's table by syscall-table.ts):
 * ioctl with job control on terminals (controlling terminals, foreground process groups) over
 * in-kernel pseudo-terminals and the host's terminal.
 *
 * @module
 */
import type { SyscallContext } from '../context.js';
import type { SyscallName } from '../generated/numbers.js';
import * as tty from '../sys/tty.js';
import { partial, type SyscallSpec } from '../table/index.js';

export const terminalsSyscalls: Partial<Record<SyscallName, SyscallSpec<SyscallContext>>> = {
  ioctl: partial(
    tty.sysIoctl,
    'terminals (termios, window size, job control, pty TIOCGPTN/TIOCSPTLCK); FIONREAD on terminals, pipes, FIFOs, sockets, inotify and regular files; on every fd FIOCLEX/FIONCLEX, FIONBIO, FIOASYNC and FIOQSIZE; others ENOTTY; a background group is not sent SIGTTOU/SIGTTIN',
  ),
};
