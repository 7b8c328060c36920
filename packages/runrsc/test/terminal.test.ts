import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, ROOTFS } from './paths.js';

// An interactive busybox sh in the sandbox, on a real terminal: tmux gives the sandbox a pty as
// its stdin/stdout, keys go in with send-keys and the screen comes back with capture-pane.
const hasTmux = spawnSync('tmux', ['-V']).status === 0;
const session = `rvisor-terminal-${process.pid}`;
let rootfs: string;

const tmux = (...args: string[]): string => execFileSync('tmux', args, { encoding: 'utf8' });
const screen = (): string => tmux('capture-pane', '-p', '-t', session);

/** Wait until `done()` holds (the terminal has caught up), failing after a generous deadline. */
async function until(done: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 300; i++) {
    if (done()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}; screen:\n${screen()}`);
}

describe.skipIf(!hasTmux)('an interactive shell on a terminal', () => {
  beforeAll(async () => {
    rootfs = mkdtempSync(join(tmpdir(), 'rvisor-terminal-'));
    cpSync(ROOTFS, rootfs, { recursive: true, verbatimSymlinks: true });
    tmux('new-session', '-d', '-s', session, '-x', '120', '-y', '40',
      `node ${CLI} run --rootfs ${rootfs} -- /bin/sh`);
    await until(() => screen().includes('/ #'), 'the prompt');
  });

  afterAll(() => {
    spawnSync('tmux', ['kill-session', '-t', session]);
    rmSync(rootfs, { recursive: true, force: true });
  });

  it('runs a command typed at the prompt', async () => {
    tmux('send-keys', '-t', session, 'echo hi-from-$((40+2))', 'Enter');
    await until(() => screen().includes('hi-from-42'), 'the echo');
  });

  it('busybox vi edits a file and :wq writes it', async () => {
    tmux('send-keys', '-t', session, 'vi /tmp/typed.txt', 'Enter');
    await until(() => screen().includes('~'), 'vi');
    tmux('send-keys', '-t', session, 'ityped in vi');
    await until(() => screen().includes('typed in vi'), 'the typed text');
    tmux('send-keys', '-t', session, 'Escape');
    // vi takes an Escape followed at once by more keys for an escape sequence: let it pass alone.
    await new Promise((r) => setTimeout(r, 300));
    tmux('send-keys', '-t', session, ':wq', 'Enter');
    const file = join(rootfs, 'tmp', 'typed.txt');
    await until(() => existsSync(file) && readFileSync(file, 'utf8') === 'typed in vi\n', 'the file');
  });

  it('^C interrupts the foreground job, not the sandbox', async () => {
    tmux('send-keys', '-t', session, 'sleep 30', 'Enter');
    await new Promise((r) => setTimeout(r, 500));
    tmux('send-keys', '-t', session, 'C-c');
    tmux('send-keys', '-t', session, 'echo "status-$?"', 'Enter');
    await until(() => screen().includes('status-130'), 'the shell after ^C');
  });
});
