import { execFileSync, spawn } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, readSync, readdirSync, readlinkSync, rmSync, writeSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { HOLDER_SETUP_FAILED, openPty, pidfdGetfd, reapChild, sendFd, spawnHolder } from './index.js';
import type { ChildExit } from './index.js';

const dir = mkdtempSync(join(tmpdir(), 'rvisor-holder-'));
const socketPath = join(dir, 'sandbox.sock');
const fifoPath = join(dir, 'stdio.fifo');
let fifo = -1;
let server: Server;

/** The sandbox side of one holder: its connection and the lines it sent, in order. */
interface Peer {
  socket: Socket;
  lines: string[];
  /** Resolves with the next line not yet taken. */
  next(): Promise<string>;
}

const waiting: ((peer: Peer) => void)[] = [];

function accept(socket: Socket): void {
  const lines: string[] = [];
  const wakers: (() => void)[] = [];
  let taken = 0;
  let buffered = '';
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => {
    buffered += chunk;
    let nl: number;
    while ((nl = buffered.indexOf('\n')) >= 0) {
      lines.push(buffered.slice(0, nl));
      buffered = buffered.slice(nl + 1);
    }
    wakers.splice(0).forEach((wake) => wake());
  });
  socket.on('error', () => {});
  const next = async (): Promise<string> => {
    while (taken === lines.length) await new Promise<void>((resolve) => wakers.push(resolve));
    return lines[taken++]!;
  };
  waiting.shift()?.({ socket, lines, next });
}

function nextPeer(): Promise<Peer> {
  return new Promise((resolve) => waiting.push(resolve));
}

async function exitOf(pid: number): Promise<ChildExit> {
  for (;;) {
    const status = reapChild(pid);
    if (status) return status;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** Spawn a holder on the fifo and wait for its hello. */
async function holder(token: string): Promise<{ pid: number; peer: Peer; hello: string }> {
  const connected = nextPeer();
  const pid = spawnHolder({ stdio: [fifo, fifo, fifo], socketPath, token });
  const peer = await connected;
  return { pid, peer, hello: await peer.next() };
}

beforeAll(async () => {
  execFileSync('mkfifo', [fifoPath]);
  fifo = openSync(fifoPath, 'r+'); // read-write: opening never blocks, reads see what holders write
  server = createServer(accept);
  await new Promise<void>((resolve) => server.listen(socketPath, resolve));
});

afterEach(() => {
  waiting.length = 0;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  closeSync(fifo);
  rmSync(dir, { recursive: true, force: true });
});

describe('spawnHolder', () => {
  it('says hello, forwards signals, keeps only its stdio, its socket and its signalfd, and exits as told', async () => {
    const { pid, peer, hello } = await holder('tok-1');
    expect(hello).toBe(`hello ${pid} tok-1`);

    process.kill(pid, 'SIGUSR1');
    expect(await peer.next()).toBe('signal 10');
    process.kill(pid, 'SIGTERM'); // forwarded, not obeyed
    expect(await peer.next()).toBe('signal 15');

    const fds = readdirSync(`/proc/${pid}/fd`).map(Number).sort((a, b) => a - b);
    const targets = fds.map((fd) => readlinkSync(`/proc/${pid}/fd/${fd}`));
    expect(fds).toHaveLength(5);
    expect(targets.slice(0, 3)).toEqual([fifoPath, fifoPath, fifoPath]);
    expect(targets.slice(3).sort()).toEqual([expect.stringMatching(/^anon_inode:\[signalfd\]$/), expect.stringMatching(/^socket:/)].sort());

    expect(readFileSync(`/proc/${pid}/comm`, 'utf8')).toBe('rvisor-holder\n');
    expect(readlinkSync(`/proc/${pid}/cwd`)).toBe('/');

    const stdout = pidfdGetfd(pid, 1);
    writeSync(stdout, 'through the holder\n');
    closeSync(stdout);
    const buf = Buffer.alloc(64);
    expect(buf.subarray(0, readSync(fifo, buf)).toString()).toBe('through the holder\n');

    peer.socket.write('exit 7\n');
    expect(await exitOf(pid)).toEqual({ exited: true, code: 7, signal: 0 });
  });

  it('dies of the signal it is told to', async () => {
    const { pid, peer } = await holder('tok-2');
    peer.socket.write('kill 15\n');
    expect(await exitOf(pid)).toEqual({ exited: false, code: 0, signal: 15 });
  });

  it('exits with 128+signo for a signal whose default is to stop or ignore', async () => {
    const { pid, peer } = await holder('tok-3');
    peer.socket.write('kill 19\n');
    expect(await exitOf(pid)).toEqual({ exited: true, code: 128 + 19, signal: 0 });
  });

  it('dies of SIGKILL when the sandbox side of the socket closes', async () => {
    const { pid, peer } = await holder('tok-4');
    peer.socket.destroy();
    expect(await exitOf(pid)).toEqual({ exited: false, code: 0, signal: 9 });
  });

  it('exits 125 when it cannot connect', async () => {
    const pid = spawnHolder({ stdio: [fifo, fifo, fifo], socketPath: join(dir, 'nobody.sock'), token: 't' });
    expect(await exitOf(pid)).toEqual({ exited: true, code: HOLDER_SETUP_FAILED, signal: 0 });
  });

  it('refuses a token with spaces', () => {
    expect(() => spawnHolder({ stdio: [fifo, fifo, fifo], socketPath, token: 'a b' })).toThrow(/token/);
  });
});

describe('pidfdGetfd', () => {
  it('names the errno when the fd does not exist', () => {
    expect(() => pidfdGetfd(process.pid, 987654)).toThrow(`pidfd_getfd(${process.pid}, 987654): EBADF`);
  });
});

describe('reapChild', () => {
  it('throws ECHILD for a process that is not our child', () => {
    expect(() => reapChild(1)).toThrow('waitpid(1): ECHILD');
  });
});

describe('openPty', () => {
  it('opens a working pair under /dev/pts', () => {
    const pty = openPty();
    try {
      expect(pty.path).toMatch(/^\/dev\/pts\/\d+$/);
      expect(readlinkSync(`/proc/self/fd/${pty.slave}`)).toBe(pty.path);
      writeSync(pty.master, 'hi\n');
      const buf = Buffer.alloc(16);
      expect(buf.subarray(0, readSync(pty.slave, buf)).toString()).toBe('hi\n');
    } finally {
      closeSync(pty.slave);
      closeSync(pty.master);
    }
  });
});

describe('sendFd', () => {
  it('throws ENOENT when nothing listens at the path', () => {
    expect(() => sendFd(join(dir, 'absent.sock'), 1, 'x')).toThrow(/: ENOENT$/);
  });

  it('passes the fd and its name to a receiver', async () => {
    const receiverPath = join(dir, 'console.sock');
    const filePath = join(dir, 'received.txt');
    // Receive one fd, write through it, and report the name it came with.
    const receiver = spawn('python3', ['-c', `
import socket, sys, os
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind(sys.argv[1]); s.listen(1)
print('ready', flush=True)
c, _ = s.accept()
msg, fds, _, _ = socket.recv_fds(c, 64, 1)
os.write(fds[0], b'written by the receiver')
print(msg.decode(), flush=True)
`, receiverPath]);
    let out = '';
    receiver.stdout.setEncoding('utf8');
    const ready = new Promise<void>((resolve) => receiver.stdout.on('data', (d: string) => {
      out += d;
      if (out.includes('\n')) resolve();
    }));
    await ready;
    expect(out).toBe('ready\n');
    const file = openSync(filePath, 'w');
    sendFd(receiverPath, file, 'console-name');
    closeSync(file);
    const code = await new Promise<number | null>((resolve) => receiver.on('close', resolve));
    expect(code).toBe(0);
    expect(out).toBe('ready\nconsole-name\n');
    expect(readFileSync(filePath, 'utf8')).toBe('written by the receiver');
  });
});
