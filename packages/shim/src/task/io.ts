import { execFile } from 'node:child_process';
import { closeSync, constants, createReadStream, createWriteStream, openSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { promisify } from 'node:util';
import { Code, TtrpcError } from '../ttrpc/codes.js';
import type { StdioFds } from './runtime.js';

/** The stdio containerd asks for: FIFO paths (or file:// URIs), empty when unwanted. */
export interface IoPaths {
  stdin: string;
  stdout: string;
  stderr: string;
  terminal: boolean;
}

/** The stdio of one task process, on the shim's side. */
export interface ProcessIO {
  /** Host fds to give the runtime as the process's stdin, stdout and stderr. */
  readonly fds: StdioFds;
  /** Close the shim's copies of `fds` once the runtime's process holds its own. */
  release(): void;
  /** containerd's CloseIO: the process's stdin should see EOF. */
  closeStdin(): void;
  /** containerd's ResizePty. */
  resize(width: number, height: number): Promise<void>;
  /** Wait (at most `drainMs`) for output copying to finish, then close everything. */
  close(drainMs?: number): Promise<void>;
}

/** Opens the FIFOs containerd passed (and a pty when `terminal`). */
export type IoOpener = (paths: IoPaths) => Promise<ProcessIO>;

/** The ProcessIO of a process with no stdio at all (every fd /dev/null); for tests and empty paths. */
export function nullIO(): ProcessIO {
  let fd = -1;
  return {
    get fds(): StdioFds {
      if (fd < 0) fd = openSync('/dev/null', 'r+');
      return [fd, fd, fd];
    },
    release() {
      if (fd >= 0) closeSync(fd);
      fd = -1;
    },
    closeStdin() {},
    resize: () => Promise.reject(new TtrpcError(Code.FAILED_PRECONDITION, 'no terminal')),
    close() {
      this.release();
      return Promise.resolve();
    },
  };
}

/** Opens an output path: a FIFO (bare path, whose reader containerd opened already) or file://. */
async function openOutput(uri: string): Promise<number> {
  if (uri.startsWith('binary://')) throw new TtrpcError(Code.UNIMPLEMENTED, 'binary:// log URIs are not supported');
  if (uri.startsWith('file://')) {
    const handle = await open(new URL(uri).pathname, constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT, 0o640);
    return handle.fd;
  }
  // fs.promises.open runs in the thread pool, so a FIFO without a reader yet does not stall the loop.
  return (await open(uri, constants.O_WRONLY)).fd;
}

/**
 * Opens stdio for a process. Without a terminal the FIFO fds themselves become the process's
 * stdio: the guest writes into containerd's FIFOs and they reach EOF when the process and its
 * pid holder have exited, which is when ctr stops reading. With a terminal the shim opens a host
 * pty, gives the slave to the process and copies between the master and the FIFOs.
 */
export const openFifoIO: IoOpener = async (paths) => {
  const owned: number[] = [];
  const track = (fd: number) => (owned.push(fd), fd);
  const devNull = () => track(openSync('/dev/null', 'r+'));
  try {
    if (paths.terminal) return await openTerminalIO(paths, track);
    const stdin = paths.stdin ? track((await open(paths.stdin, constants.O_RDONLY)).fd) : devNull();
    const stdout = paths.stdout ? track(await openOutput(paths.stdout)) : devNull();
    const stderr = paths.stderr ? track(await openOutput(paths.stderr)) : devNull();
    const release = () => {
      for (const fd of owned.splice(0)) closeSync(fd);
    };
    return {
      fds: [stdin, stdout, stderr],
      release,
      // The process holds its own stdin; ctr closes its end of the FIFO, which is the EOF it sees.
      closeStdin: release,
      resize: () => Promise.reject(new TtrpcError(Code.FAILED_PRECONDITION, 'the process has no terminal')),
      close: () => Promise.resolve(release()),
    };
  } catch (err) {
    for (const fd of owned) closeSync(fd);
    throw err;
  }
};

async function openTerminalIO(paths: IoPaths, track: (fd: number) => number): Promise<ProcessIO> {
  // Loaded lazily: the native addon is not needed by processes without a terminal.
  const { openPty } = await import('@rvisor/trap-native');
  const pty = openPty();
  track(pty.master);
  let slave = pty.slave;
  const output = paths.stdout ? await openOutput(paths.stdout) : -1;
  let copied: Promise<void> = Promise.resolve();
  if (output >= 0) {
    const from = createReadStream('', { fd: pty.master, autoClose: false });
    const to = createWriteStream('', { fd: output, autoClose: true });
    copied = new Promise((resolve) => {
      // Reading the master fails with EIO once every slave fd is closed: that is the end.
      from.on('error', () => to.end());
      to.on('close', () => resolve());
      to.on('error', () => resolve());
      from.pipe(to);
    });
  }
  let input: ReturnType<typeof createReadStream> | undefined;
  if (paths.stdin) {
    const fd = (await open(paths.stdin, constants.O_RDONLY)).fd;
    input = createReadStream('', { fd, autoClose: true });
    const master = createWriteStream('', { fd: pty.master, autoClose: false });
    input.on('error', () => {});
    master.on('error', () => {});
    input.pipe(master, { end: false });
  }
  const releaseSlave = () => {
    if (slave >= 0) closeSync(slave);
    slave = -1;
  };
  return {
    fds: [pty.slave, pty.slave, pty.slave],
    release: releaseSlave,
    closeStdin: () => input?.destroy(),
    async resize(width, height) {
      // stty sets the window size through the slave (TIOCSWINSZ); the guest gets SIGWINCH from it.
      await promisify(execFile)('stty', ['-F', pty.path, 'cols', String(width), 'rows', String(height)]);
    },
    async close(drainMs = 2000) {
      releaseSlave();
      input?.destroy();
      await Promise.race([copied, new Promise((r) => setTimeout(r, drainMs).unref())]);
      try {
        closeSync(pty.master);
      } catch {
        // already closed
      }
    },
  };
}
