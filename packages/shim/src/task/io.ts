import { execFileSync } from 'node:child_process';
import { closeSync, constants, createReadStream, createWriteStream, mkdtempSync, open, openSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import net from 'node:net';
import { promisify } from 'node:util';
import { Code, TtrpcError } from '../ttrpc/codes.js';
import type { StdioFds } from './runtime.js';

const TIOCSWINSZ = 0x5414;

/** A terminal's output has ended once it was quiet this long after the process exited. */
const DRAIN_IDLE_MS = 100;
/** The longest a terminal's output is drained after the process exited. */
const DRAIN_MAX_MS = 2000;

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
  /** The process exited: finish copying what it wrote, then close its output. */
  exited(): Promise<void>;
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
    exited: () => Promise.resolve(),
    resize: () => Promise.reject(new TtrpcError(Code.FAILED_PRECONDITION, 'no terminal')),
    close() {
      this.release();
      return Promise.resolve();
    },
  };
}

/**
 * open(2) in the thread pool, so a FIFO waiting for its other end does not stall the loop. It
 * returns a plain fd: a FileHandle would close it when garbage-collected, under the process's feet.
 */
const openFd = promisify(open) as (path: string, flags: number, mode?: number) => Promise<number>;

/** Opens an output path: a FIFO (bare path, whose reader containerd opened already) or file://. */
async function openOutput(uri: string): Promise<number> {
  if (uri.startsWith('binary://')) throw new TtrpcError(Code.UNIMPLEMENTED, 'binary:// log URIs are not supported');
  if (uri.startsWith('file://')) {
    return openFd(new URL(uri).pathname, constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT, 0o640);
  }
  return openFd(uri, constants.O_WRONLY);
}

/**
 * A pipe made from a private FIFO (Node has no pipe(2)): a blocking read end for the process and
 * a write end for the shim. Opening the FIFO read-write first lets both opens return at once.
 */
function fifoPipe(): { read: number; write: number } {
  const dir = mkdtempSync(join(tmpdir(), 'rvisor-shim-'));
  const path = join(dir, 'stdin');
  try {
    execFileSync('mkfifo', ['-m', '0600', path]);
    const both = openSync(path, constants.O_RDWR);
    const read = openSync(path, constants.O_RDONLY);
    const write = openSync(path, constants.O_WRONLY);
    closeSync(both);
    return { read, write };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Reads containerd's stdin FIFO through epoll, never with a blocking open (that would hold a
 * thread-pool thread, and Node's exit waits for those). ctr may open its writer later or never:
 * a read-write "keeper" fd stands in for it, so the read end sees no EOF before the writer came;
 * once input arrives the keeper goes, and the writer closing is the EOF. CloseIO ends it too.
 */
function readFifo(path: string): net.Socket {
  let keeper = openSync(path, constants.O_RDWR);
  const socket = new net.Socket({ fd: openSync(path, constants.O_RDONLY | constants.O_NONBLOCK), readable: true, writable: false });
  const dropKeeper = () => {
    if (keeper >= 0) closeSync(keeper);
    keeper = -1;
  };
  socket.once('data', dropKeeper);
  socket.once('close', dropKeeper);
  socket.on('error', () => {});
  return socket;
}

/** Copies containerd's stdin FIFO into the pipe the process reads, until EOF or closed. */
function stdinCopier(path: string, write: number): { close: () => void } {
  const sink = new net.Socket({ fd: write, readable: false, writable: true });
  sink.on('error', () => {});
  const source = readFifo(path);
  source.pipe(sink);
  let closed = false;
  return {
    close() {
      if (closed) return;
      closed = true;
      source.destroy();
      sink.end();
    },
  };
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
    let copier: { close: () => void } | undefined;
    let stdin: number;
    if (paths.stdin) {
      const pipe = fifoPipe();
      stdin = track(pipe.read);
      copier = stdinCopier(paths.stdin, pipe.write);
    } else {
      stdin = devNull();
    }
    const stdout = paths.stdout ? track(await openOutput(paths.stdout)) : devNull();
    const stderr = paths.stderr ? track(await openOutput(paths.stderr)) : devNull();
    const release = () => {
      for (const fd of owned.splice(0)) closeSync(fd);
    };
    return {
      fds: [stdin, stdout, stderr],
      release,
      closeStdin: () => copier?.close(),
      // The FIFOs are the process's own stdout and stderr: they end with it.
      exited: () => Promise.resolve(),
      resize: () => Promise.reject(new TtrpcError(Code.FAILED_PRECONDITION, 'the process has no terminal')),
      close: () => {
        copier?.close();
        release();
        return Promise.resolve();
      },
    };
  } catch (err) {
    for (const fd of owned) closeSync(fd);
    throw err;
  }
};

async function openTerminalIO(paths: IoPaths, track: (fd: number) => number): Promise<ProcessIO> {
  // Loaded lazily: the native addon is not needed by processes without a terminal.
  const { hostOps, openPty } = await import('@rvisor/trap-native');
  const pty = openPty();
  track(pty.master);
  let slave = pty.slave;
  const output = paths.stdout ? await openOutput(paths.stdout) : -1;
  let copied: Promise<void> = Promise.resolve();
  let lastOutput = Date.now();
  let endOutput = () => {};
  if (output >= 0) {
    const from = createReadStream('', { fd: pty.master, autoClose: false });
    const to = createWriteStream('', { fd: output, autoClose: true });
    from.on('data', () => (lastOutput = Date.now()));
    endOutput = () => {
      from.unpipe(to);
      from.destroy();
      to.end();
    };
    copied = new Promise((resolve) => {
      // Reading the master fails with EIO once every slave fd is closed: that is the end.
      from.on('error', () => to.end());
      to.on('close', () => resolve());
      to.on('error', () => resolve());
      from.pipe(to);
    });
  }
  /**
   * After the process exited, other processes (the sandbox) may keep the slave open, so EIO may
   * never come: copy what is still buffered until the output has been quiet a moment, then end it,
   * as runc's shim shuts the console down when the process exits.
   */
  const drain = async (maxMs: number) => {
    const deadline = Date.now() + maxMs;
    const idle = () => Date.now() - lastOutput >= DRAIN_IDLE_MS;
    const finished = { done: false };
    void copied.then(() => (finished.done = true));
    while (!finished.done && !idle() && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, DRAIN_IDLE_MS / 2).unref());
    }
    endOutput();
  };
  let input: net.Socket | undefined;
  if (paths.stdin) {
    input = readFifo(paths.stdin);
    const master = createWriteStream('', { fd: pty.master, autoClose: false });
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
      // TIOCSWINSZ on the master: struct winsize { rows, cols, xpixel, ypixel } (u16 each).
      const winsize = new Uint8Array(8);
      const view = new DataView(winsize.buffer);
      view.setUint16(0, height, true);
      view.setUint16(2, width, true);
      const r = hostOps().ioctl(pty.master, TIOCSWINSZ, winsize);
      if (r < 0) throw new TtrpcError(Code.INTERNAL, `TIOCSWINSZ: errno ${-r}`);
    },
    exited: () => drain(DRAIN_MAX_MS),
    async close(drainMs = DRAIN_MAX_MS) {
      releaseSlave();
      input?.destroy();
      await drain(drainMs);
      try {
        closeSync(pty.master);
      } catch {
        // already closed
      }
    },
  };
}
