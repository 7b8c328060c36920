/**
 * Host-process helpers for the OCI runtime's command line: pid holders, fds of other processes,
 * host ptys, fd passing and reaping. None of them starts or needs the tracer.
 */
import { loadNative } from './native.js';

/** The native functions behind this module. */
interface HostProcessBinding {
  spawnHolder(stdin: number, stdout: number, stderr: number, socketPath: string, token: string): number;
  pidfdGetfd(pid: number, fd: number): number;
  openPty(): HostPty;
  sendFd(socketPath: string, fd: number, name: string): void;
  reapChild(pid: number): ChildExit | null;
  setChildSubreaper(): void;
}

function native(): HostProcessBinding {
  return loadNative() as unknown as HostProcessBinding;
}

/** How to start a pid holder. */
export interface HolderOptions {
  /** Host fds that become the holder's 0, 1 and 2; it keeps no other fd of this process. */
  stdio: [number, number, number];
  /** The sandbox's Unix stream socket the holder connects to. */
  socketPath: string;
  /** Identifies the holder to the sandbox in its hello line (no spaces or newlines, ≤ 256 bytes). */
  token: string;
}

/** Exit status the holder uses when it cannot set up (stdio, socket, connect or hello failed). */
export const HOLDER_SETUP_FAILED = 125;

/**
 * Fork a pid holder: a small host process that stands for one guest process to runc's clients,
 * and return its pid (a child of this process, to be reaped with {@link reapChild}).
 *
 * Protocol over `socketPath`, one line per message. The holder sends `hello <pid> <token>` once,
 * then `signal <signo>` for each signal it receives (all but SIGCHLD). The sandbox sends
 * `exit <code>` (the holder exits with that code) or `kill <signo>` (it dies of that signal, or
 * exits with 128+signo when that signal's default action is to ignore or stop). When the socket
 * ends, the holder dies of SIGKILL. It exits with {@link HOLDER_SETUP_FAILED} if setup fails.
 */
export function spawnHolder(options: HolderOptions): number {
  const [stdin, stdout, stderr] = options.stdio;
  return native().spawnHolder(stdin, stdout, stderr, options.socketPath, options.token);
}

/**
 * A close-on-exec duplicate of fd `fd` of process `pid` (pidfd_open + pidfd_getfd). Throws an
 * Error naming the errno, e.g. "pidfd_getfd(1234, 1): EPERM".
 */
export function pidfdGetfd(pid: number, fd: number): number {
  return native().pidfdGetfd(pid, fd);
}

/** A host pseudo-terminal pair, both ends close-on-exec and not the caller's controlling tty. */
export interface HostPty {
  master: number;
  slave: number;
  /** The slave's path, /dev/pts/N. */
  path: string;
}

/** Open a host pty pair (/dev/ptmx, unlocked). Throws an Error naming the errno on failure. */
export function openPty(): HostPty {
  return native().openPty();
}

/**
 * Connect to the Unix stream socket at `socketPath` and send `name` as the payload with `fd`
 * attached (SCM_RIGHTS), as runc does for --console-socket. Throws an Error naming the errno,
 * e.g. "sendFd(/run/x.sock): ENOENT".
 */
export function sendFd(socketPath: string, fd: number, name: string): void {
  native().sendFd(socketPath, fd, name);
}

/** How a child process ended. */
export interface ChildExit {
  /** True when it exited; false when a signal killed it. */
  exited: boolean;
  /** The exit code (0 when killed by a signal). */
  code: number;
  /** The signal that killed it (0 when it exited). */
  signal: number;
}

/**
 * waitpid(pid, WNOHANG): null while the child runs, otherwise how it ended (it is reaped).
 * Throws an Error naming the errno (ECHILD for a pid that is not an unreaped child).
 */
export function reapChild(pid: number): ChildExit | null {
  return native().reapChild(pid);
}

/** Make this process a child subreaper: orphaned descendants are re-parented to it. */
export function setChildSubreaper(): void {
  native().setChildSubreaper();
}
