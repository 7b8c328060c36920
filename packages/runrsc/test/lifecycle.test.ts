// The OCI lifecycle through the runc-compatible CLI, in the spirit of runc's integration tests
// (tests/integration/*.bats): create, start, state, kill, delete, exec, ps, list, pause, events,
// update, run --detach, pid files, hooks, shared sandboxes, and bad bundles that leave nothing.
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, openSync, closeSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FORK_BOMB, IS_ROOT, alive, processesMentioning } from './helpers.js';
import { CLI, ROOTFS } from './paths.js';


let work: string;
let root: string;
let rootfs: string;
let spec: Record<string, any>;
let outputs = 0;

interface Result {
  status: number | null;
  stdout: string;
  stderr: string;
}

/**
 * `runrsc --root ROOT ...args`. Output goes through files, not pipes: a container created here
 * inherits them and outlives the command, and a pipe it held open would keep us waiting.
 */
function runrsc(args: string[], options: { cwd?: string; input?: string; globals?: string[] } = {}): Result {
  const n = ++outputs;
  const out = join(work, `out-${n}`);
  const err = join(work, `err-${n}`);
  const outFd = openSync(out, 'w');
  const errFd = openSync(err, 'w');
  try {
    const r = spawnSync(process.execPath, [CLI, '--root', root, ...(options.globals ?? []), ...args], {
      cwd: options.cwd ?? work,
      input: options.input,
      stdio: [options.input === undefined ? 'ignore' : 'pipe', outFd, errFd],
      timeout: 20_000,
      killSignal: 'SIGKILL',
    });
    if (r.error) throw new Error(`runrsc ${args.join(' ')}: ${r.error.message}`);
    return { status: r.status, stdout: readFileSync(out, 'utf8'), stderr: readFileSync(err, 'utf8') };
  } finally {
    closeSync(outFd);
    closeSync(errFd);
  }
}

/** The stdout file of the last command: a container it created writes there. */
function lastOutput(): string {
  return join(work, `out-${outputs}`);
}

/** A bundle directory whose config.json is the default spec changed by `change`. */
function bundle(name: string, change: (s: Record<string, any>) => void = () => {}): string {
  const dir = join(work, 'bundles', name);
  mkdirSync(dir, { recursive: true });
  const s = structuredClone(spec);
  s.root = { path: rootfs, readonly: true };
  s.process.terminal = false;
  s.process.env = ['PATH=/bin:/sbin:/usr/bin:/usr/sbin', 'HOME=/root'];
  change(s);
  writeFileSync(join(dir, 'config.json'), JSON.stringify(s, null, 2));
  return dir;
}

function sleeper(name: string, extra: (s: Record<string, any>) => void = () => {}): string {
  return bundle(name, (s) => {
    s.process.args = ['sleep', '1000'];
    extra(s);
  });
}

function ok(r: Result): Result {
  expect(r.status, r.stderr).toBe(0);
  return r;
}

function state(id: string): Record<string, any> {
  return JSON.parse(ok(runrsc(['state', id])).stdout);
}

/** Poll until `check` holds (the bound only keeps a broken runtime from hanging the suite). */
async function eventually<T>(what: string, get: () => T, check: (v: T) => boolean): Promise<T> {
  for (let i = 0; i < 400; i++) {
    const v = get();
    if (check(v)) return v;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`never happened: ${what}`);
}

function stopped(id: string): Promise<Record<string, any>> {
  return eventually(`${id} stopped`, () => state(id), (s) => s.status === 'stopped');
}

/** Host cgroups of sandboxes (rvisor/<name>; the cgroup unit tests' test-* ones left out). */
function sandboxCgroups(): string[] {
  const dir = existsSync('/sys/fs/cgroup/cgroup.controllers') ? '/sys/fs/cgroup/rvisor' : '/sys/fs/cgroup/pids/rvisor';
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory() && !e.name.startsWith('test-')).map((e) => e.name);
}

/** Error output is one line (runc's shims show it as is). */
function oneLine(r: Result): string {
  expect(r.status).toBe(1);
  const lines = r.stderr.trim().split('\n');
  expect(lines, r.stderr).toHaveLength(1);
  return lines[0]!;
}

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'rvisor-lifecycle-'));
  root = join(work, 'state');
  rootfs = join(work, 'rootfs');
  cpSync(ROOTFS, rootfs, { recursive: true, verbatimSymlinks: true });
  const specDir = join(work, 'spec');
  mkdirSync(specDir);
  ok(runrsc(['spec'], { cwd: specDir }));
  spec = JSON.parse(readFileSync(join(specDir, 'config.json'), 'utf8'));
});

afterAll(() => {
  if (existsSync(root)) for (const id of readdirSync(root)) runrsc(['delete', '--force', id]);
  rmSync(work, { recursive: true, force: true });
});

describe('runrsc CLI without containers', () => {
  it('refuses a bad signal by name and by number', () => {
    expect(oneLine(runrsc(['kill', 'nope', 'SIGNOPE']))).toContain('invalid signal: SIGNOPE');
    expect(oneLine(runrsc(['kill', 'nope', '99']))).toContain('invalid signal: 99');
  });

  it('writes the error as a JSON line to --log with --log-format json', () => {
    const log = join(work, 'log.json');
    runrsc(['kill', 'nope', 'SIGNOPE'], { globals: ['--log', log, '--log-format', 'json'] });
    const last = JSON.parse(readFileSync(log, 'utf8').trim().split('\n').pop()!);
    expect(last.level).toBe('error');
    expect(last.msg).toContain('invalid signal: SIGNOPE');
    expect(last.time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/);
  });

  it('writes text log lines by default', () => {
    const log = join(work, 'log.txt');
    runrsc(['kill', 'nope', 'SIGNOPE'], { globals: ['--log', log] });
    expect(readFileSync(log, 'utf8')).toMatch(/^time="[^"]+" level=error msg="invalid signal: SIGNOPE"\n$/);
  });

  it('checks update --resources JSON field by field', () => {
    const r = runrsc(['update', '-r', '-', 'nope'], { input: '{"pids":{"limit":"many"}}' });
    expect(oneLine(r)).toContain('stdin: pids.limit: must be an integer');
  });
});

describe.skipIf(!IS_ROOT)('OCI lifecycle', () => {
  it('goes created → running → stopped, with runc errors for verbs in the wrong state', async () => {
    const dir = bundle('life', (s) => (s.process.args = ['sh', '-c', 'echo started; exec sleep 1000']));
    const pidFile = join(work, 'life.pid');
    ok(runrsc(['create', '--bundle', dir, '--pid-file', pidFile, 'life']));
    const output = lastOutput();
    const created = state('life');
    expect(created).toMatchObject({ id: 'life', status: 'created', bundle: dir, rootfs });
    expect(created.pid).toBeGreaterThan(0);
    expect(Number(readFileSync(pidFile, 'utf8'))).toBe(created.pid);
    expect(alive(created.pid)).toBe(true);
    expect(readFileSync(output, 'utf8')).toBe('');

    ok(runrsc(['start', 'life']));
    expect(state('life').status).toBe('running');
    await eventually('the init wrote', () => readFileSync(output, 'utf8'), (t) => t === 'started\n');
    expect(oneLine(runrsc(['start', 'life']))).toMatch(/cannot start/);
    expect(oneLine(runrsc(['delete', 'life']))).toMatch(/running|not stopped/);

    ok(runrsc(['kill', 'life', 'KILL']));
    const after = await stopped('life');
    expect(after.pid).toBe(0);
    await eventually('the pid holder ended', () => alive(created.pid), (a) => !a);
    expect(oneLine(runrsc(['kill', 'life', 'SIGTERM']))).toMatch(/not running|stopped/);
    expect(oneLine(runrsc(['start', 'life']))).toContain('cannot start a container that has stopped');

    ok(runrsc(['delete', 'life']));
    expect(oneLine(runrsc(['state', 'life']))).toContain('container does not exist');
    expect(existsSync(join(root, 'life'))).toBe(false);
  });

  it('records lifecycle errors in --log as the JSON line containerd reads', () => {
    const log = join(work, 'lifecycle-log.json');
    expect(oneLine(runrsc(['state', 'missing'], { globals: ['--log', log, '--log-format', 'json'] }))).toContain('container does not exist');
    const last = JSON.parse(readFileSync(log, 'utf8').trim().split('\n').pop()!);
    expect(last).toMatchObject({ level: 'error', msg: 'container does not exist' });
  });

  it('run --detach writes the pid file; wait reports the exit status as runsc does', async () => {
    const pidFile = join(work, 'detached.pid');
    ok(runrsc(['run', '--detach', '--pid-file', pidFile, '--bundle', bundle('waited', (s) => (s.process.args = ['sh', '-c', 'trap "exit 4" TERM; echo ready; sleep 1000 & wait'])), 'waited']));
    const output = lastOutput();
    expect(Number(readFileSync(pidFile, 'utf8'))).toBe(state('waited').pid);
    // Signal only once the trap is set.
    await eventually('the trap is set', () => readFileSync(output, 'utf8'), (t) => t === 'ready\n');
    ok(runrsc(['kill', 'waited', 'TERM']));
    expect(JSON.parse(ok(runrsc(['wait', 'waited'])).stdout)).toEqual({ id: 'waited', exitStatus: 4 });
    ok(runrsc(['delete', 'waited']));
  });

  it('kills with SIGTERM by default and accepts signal numbers', async () => {
    ok(runrsc(['run', '-d', '--bundle', sleeper('term'), 'term']));
    ok(runrsc(['kill', 'term']));
    await stopped('term');
    ok(runrsc(['delete', 'term']));

    ok(runrsc(['run', '-d', '--bundle', sleeper('nine'), 'nine']));
    ok(runrsc(['kill', 'nine', '9']));
    await stopped('nine');
    ok(runrsc(['delete', 'nine']));
  });

  it('kills and deletes a container that was created but never started, as runc allows', async () => {
    ok(runrsc(['create', '--bundle', sleeper('unstarted'), 'unstarted']));
    ok(runrsc(['kill', 'unstarted', 'KILL']));
    await stopped('unstarted');
    ok(runrsc(['delete', 'unstarted']));

    ok(runrsc(['create', '--bundle', sleeper('unstarted2'), 'unstarted2']));
    ok(runrsc(['delete', 'unstarted2']));
    expect(oneLine(runrsc(['state', 'unstarted2']))).toContain('container does not exist');
  });

  it('run exits with the container status and deletes it, unless --keep', () => {
    const r = runrsc(['run', '--bundle', bundle('exit7', (s) => (s.process.args = ['sh', '-c', 'echo out; echo err >&2; exit 7'])), 'exit7']);
    expect(r.stdout).toBe('out\n');
    expect(r.stderr).toContain('err\n');
    expect(r.status).toBe(7);
    expect(oneLine(runrsc(['state', 'exit7']))).toContain('container does not exist');

    const kept = runrsc(['run', '--keep', '--bundle', bundle('kept', (s) => (s.process.args = ['true'])), 'kept']);
    expect(kept.status).toBe(0);
    expect(state('kept').status).toBe('stopped');
    ok(runrsc(['delete', 'kept']));
  });

  it('run in the foreground serves its sandbox itself: other verbs reach the container, and it ends with it', async () => {
    const out = join(work, 'foreground.out');
    const outFd = openSync(out, 'w');
    const fg = spawn(process.execPath, [CLI, '--root', root, 'run', '--bundle', sleeper('fg'), 'fg'], { stdio: ['ignore', outFd, outFd] });
    closeSync(outFd);
    const status = new Promise<number | null>((resolve) => fg.once('exit', (code) => resolve(code)));
    await eventually('fg runs', () => runrsc(['state', 'fg']), (r) => r.status === 0 && JSON.parse(r.stdout).status === 'running');
    const { sandbox } = state('fg');
    expect(Number(readFileSync(join(root, `sandbox-${sandbox}`, 'pid'), 'utf8'))).toBe(fg.pid);
    expect(ok(runrsc(['list', '-q'])).stdout.split('\n')).toContain('fg');
    ok(runrsc(['kill', 'fg', 'KILL']));
    expect(await status, readFileSync(out, 'utf8')).toBe(137);
    expect(oneLine(runrsc(['state', 'fg']))).toContain('container does not exist');
    expect(existsSync(join(root, `sandbox-${sandbox}`))).toBe(false);
  });

  it('run reports a signal death as 128 + the signal', () => {
    const r = runrsc(['run', '--bundle', bundle('sig', (s) => (s.process.args = ['sh', '-c', 'kill -KILL $$'])), 'sig']);
    expect(r.status).toBe(137);
  });

  it('exec runs processes in a running container: args, -p process.json, -d with a pid file, env, cwd, user', async () => {
    ok(runrsc(['run', '-d', '--bundle', sleeper('ex'), 'ex']));
    const r = runrsc(['exec', '-e', 'GREETING=hi', '--cwd', '/tmp', '-u', '1000:1000', 'ex', 'sh', '-c', 'echo $GREETING $PATH; pwd; id -u; id -g; exit 3']);
    expect(r.stdout).toBe('hi /bin:/sbin:/usr/bin:/usr/sbin\n/tmp\n1000\n1000\n');
    expect(r.status).toBe(3);

    const processFile = join(work, 'process.json');
    writeFileSync(processFile, JSON.stringify({ args: ['sh', '-c', 'echo from-json'], cwd: '/', env: ['PATH=/bin'], user: { uid: 0, gid: 0 }, terminal: false }));
    const p = runrsc(['exec', '--process', processFile, 'ex']);
    expect(p.stdout).toBe('from-json\n');
    expect(p.status).toBe(0);

    const pidFile = join(work, 'exec.pid');
    ok(runrsc(['exec', '-d', '--pid-file', pidFile, 'ex', 'sleep', '1000']));
    const execPid = Number(readFileSync(pidFile, 'utf8'));
    expect(execPid).toBeGreaterThan(0);
    expect(alive(execPid)).toBe(true);
    const pids: number[] = JSON.parse(ok(runrsc(['ps', '--format', 'json', 'ex'])).stdout);
    expect(Array.isArray(pids)).toBe(true);
    expect(pids.length).toBeGreaterThanOrEqual(2);

    expect(oneLine(runrsc(['exec', 'ex']))).toContain('give the command');
    ok(runrsc(['kill', '--all', 'ex', 'KILL']));
    await stopped('ex');
    await eventually('the exec ended', () => alive(execPid), (a) => !a);
    ok(runrsc(['delete', 'ex']));
  });

  it('list shows containers as table, json and ids; ps prints a table', () => {
    const dir = sleeper('listed');
    ok(runrsc(['create', '--bundle', dir, 'listed']));
    const listed = JSON.parse(ok(runrsc(['list', '--format', 'json'])).stdout) as Record<string, any>[];
    const entry = listed.find((s) => s.id === 'listed');
    expect(entry).toMatchObject({ id: 'listed', status: 'created', bundle: dir });
    expect(ok(runrsc(['list', '-q'])).stdout.split('\n')).toContain('listed');
    const table = ok(runrsc(['list'])).stdout.split('\n');
    expect(table[0]).toMatch(/^ID\s+PID\s+STATUS\s+BUNDLE\s+CREATED\s+OWNER$/);
    expect(table.some((l) => new RegExp(`^listed\\s+${entry!.pid}\\s+created\\s+${dir}\\s`).test(l))).toBe(true);
    const ps = ok(runrsc(['ps', 'listed'])).stdout.split('\n');
    expect(ps[0]).toMatch(/\bPID\b/);
    ok(runrsc(['delete', '--force', 'listed']));
  });

  it('delete --force removes a running container and its processes; a forced delete of nothing succeeds', async () => {
    ok(runrsc(['run', '-d', '--bundle', sleeper('forced'), 'forced']));
    const pid = state('forced').pid;
    ok(runrsc(['delete', '--force', 'forced']));
    expect(oneLine(runrsc(['state', 'forced']))).toContain('container does not exist');
    await eventually('the init ended', () => alive(pid), (a) => !a);
    ok(runrsc(['delete', '--force', 'never-was']));
    expect(oneLine(runrsc(['delete', 'never-was']))).toContain('container does not exist');
  });

  it('pauses and resumes; events --stats prints one stats record; update applies limits', () => {
    ok(runrsc(['run', '-d', '--bundle', sleeper('pz'), 'pz']));
    ok(runrsc(['pause', 'pz']));
    expect(state('pz').status).toBe('paused');
    expect(oneLine(runrsc(['exec', 'pz', 'true']))).toContain('paused');
    ok(runrsc(['resume', 'pz']));
    expect(state('pz').status).toBe('running');

    const lines = ok(runrsc(['events', '--stats', 'pz'])).stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    const event = JSON.parse(lines[0]!);
    expect(event).toMatchObject({ type: 'stats', id: 'pz' });
    expect(event.data.pids.current).toBeGreaterThanOrEqual(1);

    ok(runrsc(['update', '--pids-limit', '50', '--memory', '256m', 'pz']));
    ok(runrsc(['update', '-r', '-', 'pz'], { input: JSON.stringify({ pids: { limit: 60 } }) }));
    ok(runrsc(['delete', '--force', 'pz']));
  });

  it('events streams stats records until the container exits, then an exit event', async () => {
    ok(runrsc(['run', '-d', '--bundle', sleeper('ev'), 'ev']));
    const events = spawn(process.execPath, [CLI, '--root', root, 'events', '--interval', '100ms', 'ev'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let text = '';
    events.stdout.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
    const ended = new Promise<number | null>((resolve) => events.once('close', (code) => resolve(code)));
    await eventually('a stats record', () => text, (t) => t.includes('\n'));
    ok(runrsc(['kill', 'ev', 'KILL']));
    expect(await ended).toBe(0);
    const records = text.trim().split('\n').map((l) => JSON.parse(l));
    expect(records[0]).toMatchObject({ type: 'stats', id: 'ev' });
    expect(records.at(-1)).toEqual({ type: 'exit', id: 'ev' });
    ok(runrsc(['delete', 'ev']));
  });

  it('runs two containers in one sandbox with their own pid spaces and file views', async () => {
    const a = mkdtempSync(join(work, 'view-a-'));
    const b = mkdtempSync(join(work, 'view-b-'));
    writeFileSync(join(a, 'name'), 'first\n');
    writeFileSync(join(b, 'name'), 'second\n');
    const mount = (dir: string) => (s: Record<string, any>) => s.mounts.push({ destination: '/data', type: 'bind', source: dir, options: ['rbind', 'ro'] });
    const first = bundle('pod-a', (s) => {
      s.process.args = ['sh', '-c', 'echo $$; cat /data/name; exec sleep 1000'];
      mount(a)(s);
    });
    ok(runrsc(['run', '-d', '--bundle', first, 'pod-a']));
    const firstOutput = lastOutput();
    const second = bundle('pod-b', (s) => {
      s.process.args = ['sh', '-c', 'echo $$; cat /data/name'];
      s.annotations = { 'dev.rvisor.sandbox': 'pod-a' };
      mount(b)(s);
    });
    const r = runrsc(['run', '--keep', '--bundle', second, 'pod-b']);
    expect(r.stdout).toBe('1\nsecond\n');
    expect(r.status).toBe(0);
    await eventually('the first container wrote', () => readFileSync(firstOutput, 'utf8'), (t) => t === '1\nfirst\n');
    expect(state('pod-b').sandbox).toBe(state('pod-a').sandbox);
    ok(runrsc(['delete', 'pod-b']));
    ok(runrsc(['delete', '--force', 'pod-a']));
  });

  it('gives the containers of one sandbox (a pod) one loopback network, and separate sandboxes their own', () => {
    const server = bundle('net-server', (s) => {
      s.process.args = ['sh', '-c', 'echo served-in-pod > /tmp/index.html; exec httpd -f -p 127.0.0.1:8080 -h /tmp'];
      s.root.readonly = false;
    });
    ok(runrsc(['run', '-d', '--bundle', server, 'net-server']));
    try {
      const client = (name: string, annotations: Record<string, string>) => bundle(name, (s) => {
        // httpd binds as it starts: try for a while.
        s.process.args = ['sh', '-c', 'for i in 1 2 3 4 5 6 7 8 9 10; do wget -q -O - http://127.0.0.1:8080/ && exit 0; sleep 0.2; done; exit 1'];
        s.annotations = annotations;
      });
      const inPod = runrsc(['run', '--bundle', client('net-client', { 'dev.rvisor.sandbox': 'net-server' }), 'net-client']);
      expect(inPod.stdout).toBe('served-in-pod\n');
      expect(inPod.status).toBe(0);
      const elsewhere = runrsc(['run', '--bundle', client('net-outsider', {}), 'net-outsider']);
      expect(elsewhere.stdout).toBe('');
      expect(elsewhere.status).toBe(1);
    } finally {
      runrsc(['delete', '--force', 'net-server']);
    }
  });

  it('answers delete once the container no longer holds its mounts: the engine can unmount them at once', () => {
    // podman unmounts the container's /dev/shm right after delete; an fd still open there is EBUSY.
    const mnt = join(work, 'shm-like');
    mkdirSync(mnt);
    expect(spawnSync('mount', ['-t', 'tmpfs', 'tmpfs', mnt]).status).toBe(0);
    try {
      ok(runrsc(['run', '-d', '--bundle', sleeper('holds-sandbox'), 'holds-sandbox']));
      const busy = bundle('uses-mount', (s) => {
        s.process.args = ['sh', '-c', 'sleep 1000 & sleep 1000 & exec sleep 1000'];
        s.annotations = { 'dev.rvisor.sandbox': 'holds-sandbox' };
        s.mounts.push({ destination: '/shm', type: 'bind', source: mnt, options: ['rbind', 'rw'] });
      });
      ok(runrsc(['run', '-d', '--bundle', busy, 'uses-mount']));
      ok(runrsc(['delete', '--force', 'uses-mount']));
      const umount = spawnSync('umount', [mnt], { encoding: 'utf8' });
      expect(umount.status, umount.stderr).toBe(0);
    } finally {
      spawnSync('umount', ['-l', mnt]);
      runrsc(['delete', '--force', 'holds-sandbox']);
    }
  });

  it('runs hooks with the state JSON on stdin; a failing create hook fails create and leaves nothing', () => {
    const record = (phase: string) => ({ path: '/bin/sh', args: ['sh', '-c', `cat > ${join(work, `hook-${phase}.json`)}`] });
    const dir = bundle('hooked', (s) => {
      s.process.args = ['true'];
      s.hooks = { createRuntime: [record('createRuntime')], poststart: [record('poststart')], poststop: [record('poststop')] };
    });
    ok(runrsc(['run', '--bundle', dir, 'hooked']));
    for (const phase of ['createRuntime', 'poststart', 'poststop']) {
      const seen = JSON.parse(readFileSync(join(work, `hook-${phase}.json`), 'utf8'));
      expect(seen).toMatchObject({ id: 'hooked', bundle: dir });
      expect(typeof seen.ociVersion).toBe('string');
    }

    const failing = join(work, 'fail-hook');
    writeFileSync(failing, '#!/bin/sh\nexit 1\n');
    chmodSync(failing, 0o755);
    const bad = bundle('badhook', (s) => (s.hooks = { createRuntime: [{ path: failing }] }));
    expect(oneLine(runrsc(['create', '--bundle', bad, 'badhook']))).toContain(`createRuntime hook ${failing} exited with status 1`);
    expect(oneLine(runrsc(['state', 'badhook']))).toContain('container does not exist');
    expect(existsSync(join(root, 'badhook'))).toBe(false);
  });

  it('features describes the runtime as runc features does', () => {
    const f = JSON.parse(ok(runrsc(['features'])).stdout);
    expect(typeof f.ociVersionMin).toBe('string');
    expect(typeof f.ociVersionMax).toBe('string');
    expect(f.hooks).toEqual(expect.arrayContaining(['createRuntime', 'poststart', 'poststop']));
    expect(Array.isArray(f.linux.namespaces)).toBe(true);
  });

  it('sends the pty master of a terminal process to --console-socket, as runc does', async () => {
    // A console in python (Node cannot receive fds): takes the master, types a command, reads.
    const socket = join(work, 'console.sock');
    const peer = spawn('python3', ['-c', `
import os, select, socket, sys, time
srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
srv.bind(sys.argv[1]); srv.listen(1); print('listening', flush=True)
conn, _ = srv.accept()
name, fds, _, _ = socket.recv_fds(conn, 1024, 1)
print(name.decode(), flush=True)
sys.stdin.readline()  # started
os.write(fds[0], b'echo typed-$((6*7)); tty; exit 3\\n')
out, end = b'', time.time() + 10
while time.time() < end and b'/dev/console' not in out:
    if select.select([fds[0]], [], [], 0.1)[0]:
        try: out += os.read(fds[0], 4096)
        except OSError: break
print(out.decode(errors='replace'), flush=True)
`, socket], { stdio: ['pipe', 'pipe', 'inherit'] });
    let text = '';
    peer.stdout.setEncoding('utf8').on('data', (c: string) => (text += c));
    await eventually('the console listens', () => text, (t) => t.includes('listening'));
    const dir = bundle('console', (s) => {
      s.process.terminal = true;
      s.process.args = ['sh'];
    });
    ok(runrsc(['create', '--bundle', dir, '--console-socket', socket, 'console']));
    await eventually('the pty master arrived', () => text, (t) => /\/dev\/pts\/\d+/.test(t));
    ok(runrsc(['start', 'console']));
    peer.stdin.write('\n');
    await eventually('the typed command ran', () => text, (t) => t.includes('/dev/console'));
    expect(text).toContain('typed-42');
    await stopped('console');
    ok(runrsc(['delete', 'console']));
    peer.kill();
  });

  it('a sandbox killed with SIGKILL takes its guests along; delete then leaves nothing behind', async () => {
    ok(runrsc(['run', '-d', '--bundle', sleeper('killed', (s) => (s.process.args = ['sh', '-c', 'sleep 1000 & sleep 1000'])), 'killed']));
    const { pid, sandbox } = state('killed');
    const sandboxDir = join(root, `sandbox-${sandbox}`);
    const sandboxPid = Number(readFileSync(join(sandboxDir, 'pid'), 'utf8'));
    const guests: number[] = JSON.parse(ok(runrsc(['ps', '--format', 'json', 'killed'])).stdout);
    expect(guests.length).toBeGreaterThanOrEqual(2);
    expect(guests.every(alive)).toBe(true);
    process.kill(sandboxPid, 'SIGKILL');
    await eventually('the pid holder ended', () => alive(pid), (a) => !a);
    await eventually('the guests ended', () => [sandboxPid, ...guests].some(alive), (a) => !a);
    expect(state('killed')).toMatchObject({ status: 'stopped', pid: 0 });
    ok(runrsc(['delete', 'killed']));
    expect(existsSync(join(root, 'killed'))).toBe(false);
    expect(existsSync(sandboxDir)).toBe(false);
    expect(processesMentioning(sandboxDir)).toEqual([]);
  });

  it('stops a fork bomb at linux.resources.pids.limit', () => {
    // Every task keeps forking and fork fails with EAGAIN at the limit; init then counts the
    // processes with shell builtins only, as it could not fork either.
    const dir = bundle('bomb', (s) => {
      s.process.args = ['sh', '-c', FORK_BOMB];
      s.linux = { ...s.linux, resources: { pids: { limit: 24 } } };
    });
    const before = sandboxCgroups();
    const r = runrsc(['run', '--bundle', dir, 'bomb']);
    expect(r.status, r.stderr).toBe(0);
    const count = Number(r.stdout.trim());
    expect(count).toBeGreaterThan(1);
    expect(count).toBeLessThanOrEqual(24);
    // The sandbox (run's own process) left its host cgroup, so delete could remove it.
    expect(sandboxCgroups().filter((name) => !before.includes(name))).toEqual([]);
  });

  it('mounts the container\'s POSIX message queues where the bundle asks for mqueue (/dev/mqueue)', () => {
    const dir = bundle('mqueue', (s) => {
      s.process.args = ['sh', '-c', 'grep mqueue /proc/mounts; ls -ld /dev/mqueue | cut -c1-10'];
      s.mounts = [...(s.mounts ?? []), { destination: '/dev/mqueue', type: 'mqueue', source: 'mqueue', options: ['nosuid', 'noexec', 'nodev'] }];
    });
    const r = runrsc(['run', '--bundle', dir, 'mqueue']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toBe('mqueue /dev/mqueue mqueue rw,nosuid,relatime 0 0\ndrwxrwxrwt\n');
    expect(r.stderr).not.toContain('mqueue');
  });

  it('shows a container the CPUs of its linux.resources.cpu.cpus, as runc does', () => {
    const dir = bundle('cpuset', (s) => {
      s.process.args = ['sh', '-c', 'nproc; cat /sys/devices/system/cpu/online'];
      s.linux = { ...s.linux, resources: { cpu: { cpus: '0', mems: '0' } } };
    });
    const r = runrsc(['run', '--bundle', dir, 'cpuset']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toBe('1\n0\n');
    const n = availableParallelism();
    const all = bundle('cpuset-all', (s) => {
      s.process.args = ['nproc'];
      s.linux = { ...s.linux, resources: { cpu: { cpus: n === 1 ? '0' : `0-${n - 1}`, mems: '0' } } };
    });
    const r2 = runrsc(['run', '--bundle', all, 'cpuset-all']);
    expect(r2.status, r2.stderr).toBe(0);
    expect(r2.stdout).toBe(`${n}\n`);
  });

  it.runIf(availableParallelism() > 1)('shows a running container the CPUs of a new cpuset after update', async () => {
    const dir = bundle('cpuset-update', (s) => {
      s.process.args = ['sleep', '1000'];
      s.linux = { ...s.linux, resources: { cpu: { cpus: '0', mems: '0' } } };
    });
    ok(runrsc(['run', '-d', '--bundle', dir, 'cpuset-update']));
    const shown = () => ok(runrsc(['exec', 'cpuset-update', 'sh', '-c', 'nproc; cat /sys/devices/system/cpu/online; grep -c ^processor /proc/cpuinfo'])).stdout;
    const before = shown();
    ok(runrsc(['update', '--cpuset-cpus', '0-1', 'cpuset-update']));
    const after = shown();
    ok(runrsc(['update', '--cpuset-cpus', '1', 'cpuset-update']));
    const back = shown();
    ok(runrsc(['kill', 'cpuset-update', 'KILL']));
    await stopped('cpuset-update');
    ok(runrsc(['delete', 'cpuset-update']));
    expect(before).toBe('1\n0\n1\n');
    expect(after).toBe('2\n0-1\n2\n');
    expect(back).toBe('1\n0\n1\n');
  });

  // Joining a cpuset cgroup can give the kernel's pinned thread all the cgroup's CPUs (before Linux
  // 6.2, or when the cpuset lacks its CPU): it must be pinned again, or every trap crosses CPUs.
  it.runIf(availableParallelism() > 1)('keeps the kernel and its guests on one CPU in a cpuset of several', async () => {
    const all = `0-${availableParallelism() - 1}`;
    const dir = bundle('cpuset-pin', (s) => {
      s.process.args = ['sleep', '1000'];
      s.linux = { ...s.linux, resources: { cpu: { cpus: all, mems: '0' } } };
    });
    ok(runrsc(['run', '-d', '--bundle', dir, 'cpuset-pin']));
    // The sandbox process (the kernel's thread is its main thread) and its guests' host processes.
    const sandboxPid = Number(readFileSync(join(root, `sandbox-${state('cpuset-pin').sandbox}`, 'pid'), 'utf8'));
    const guests: number[] = JSON.parse(ok(runrsc(['ps', '--format', 'json', 'cpuset-pin'])).stdout);
    const cpusOf = (pid: number | string) => readFileSync(`/proc/${pid}/status`, 'utf8').match(/Cpus_allowed_list:\s*(\S+)/)![1];
    const seen = [cpusOf(sandboxPid), ...guests.map(cpusOf)];
    ok(runrsc(['kill', 'cpuset-pin', 'KILL']));
    await stopped('cpuset-pin');
    ok(runrsc(['delete', 'cpuset-pin']));
    expect(guests.length).toBeGreaterThan(0);
    expect(new Set(seen).size).toBe(1); // one CPU for all
    expect(seen[0]).toMatch(/^\d+$/);
  });

  it('gives a memory hog ENOMEM at linux.resources.memory.limit', () => {
    const hog = join(rootfs, 'tmp', 'memory-hog');
    if (!existsSync(hog)) {
      const source = fileURLToPath(new URL('./programs/memory-hog.c', import.meta.url));
      spawnSync('gcc', ['-static', '-O2', '-o', hog, source]);
    }
    const dir = bundle('hog', (s) => {
      s.process.args = ['/tmp/memory-hog'];
      s.linux = { ...s.linux, resources: { memory: { limit: 64 * 2 ** 20 } } };
    });
    const r = runrsc(['run', '--bundle', dir, 'hog']);
    expect(r.status, r.stderr).toBe(0);
    const mib = Number(/allocated (\d+) MiB before failing/.exec(r.stdout)?.[1]);
    expect(mib).toBeGreaterThan(16);
    expect(mib).toBeLessThan(64);
  });

  const BAD: Record<string, [(dir: string) => void, string]> = {
    'no config.json': [(dir) => rmSync(join(dir, 'config.json')), 'config.json: no such file'],
    'invalid JSON': [(dir) => writeFileSync(join(dir, 'config.json'), '{"ociVersion": '), 'config.json: invalid JSON'],
    'args of the wrong type': [(dir) => edit(dir, (s) => (s.process.args = 'sh')), 'config.json: process.args'],
    'a uid of the wrong type': [(dir) => edit(dir, (s) => (s.process.user.uid = 'root')), 'config.json: process.user.uid'],
    'a missing rootfs': [(dir) => edit(dir, (s) => (s.root.path = join(dir, 'nope'))), 'config.json: root.path'],
    'empty args': [(dir) => edit(dir, (s) => (s.process.args = [])), 'config.json: process.args'],
    'an unknown file access': [
      (dir) => edit(dir, (s) => (s.annotations = { 'dev.rvisor.file-access': 'sometimes' })),
      'config.json: annotations["dev.rvisor.file-access"]',
    ],
  };
  function edit(dir: string, change: (s: Record<string, any>) => void): void {
    const s = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));
    change(s);
    writeFileSync(join(dir, 'config.json'), JSON.stringify(s));
  }
  for (const [name, [spoil, message]] of Object.entries(BAD)) {
    it(`refuses a bundle with ${name} in one line and leaves nothing behind`, () => {
      const id = `bad-${name.replace(/\W+/g, '-')}`;
      const dir = sleeper(id);
      spoil(dir);
      const before = processesMentioning(root);
      const line = oneLine(runrsc(['create', '--bundle', dir, id]));
      expect(line).toContain(message);
      expect(existsSync(join(root, id))).toBe(false);
      expect(processesMentioning(root).filter((pid) => !before.includes(pid))).toEqual([]);
      expect(oneLine(runrsc(['state', id]))).toContain('container does not exist');
    });
  }
});
