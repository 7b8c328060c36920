import { execFileSync } from 'node:child_process';
import { closeSync, constants, mkdtempSync, openSync, read, readSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openFifoIO } from './io.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'shim-io-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** One read(2) of a blocking fd, off the main thread's critical path. */
function readAsync(fd: number): Promise<string> {
  return new Promise((resolve, reject) =>
    read(fd, Buffer.alloc(64), 0, 64, null, (err, n, buf) => (err ? reject(err) : resolve(buf.subarray(0, n).toString()))),
  );
}

function fifo(name: string): string {
  const path = join(dir, name);
  execFileSync('mkfifo', [path]);
  return path;
}

describe('FIFO stdio', () => {
  it('does not wait for the stdin writer, and copies once it comes', async () => {
    const stdin = fifo('stdin');
    const io = await openFifoIO({ stdin, stdout: '', stderr: '', terminal: false });
    const writer = openSync(stdin, constants.O_WRONLY);
    writeSync(writer, 'typed\n');
    expect(await readAsync(io.fds[0])).toBe('typed\n');
    closeSync(writer);
    // The writer's close is the process's EOF.
    expect(await readAsync(io.fds[0])).toBe('');
    await io.close();
  });

  it('writes output into the stdout FIFO, and the process stdin ends at CloseIO', async () => {
    const stdin = fifo('stdin');
    const stdout = fifo('stdout');
    const reader = openSync(stdout, constants.O_RDONLY | constants.O_NONBLOCK);
    const io = await openFifoIO({ stdin, stdout, stderr: '', terminal: false });
    writeSync(io.fds[1], 'out');
    const buf = Buffer.alloc(8);
    expect(buf.subarray(0, readSync(reader, buf)).toString()).toBe('out');
    io.closeStdin();
    expect(await readAsync(io.fds[0])).toBe('');
    closeSync(reader);
    await io.close();
  });
});
