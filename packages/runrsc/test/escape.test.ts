// Escape tests: a decoy secret sits just outside a rootfs copy, with symlinks inside pointing at
// it; programs/escape.c tries `..`, those symlinks, loops, /proc's root, cwd, exe and fd links,
// and a rename race against a host loop that swaps a directory for a symlink out of the rootfs.
// No guest may ever read the decoy. programs/probes.c then aims at everything else a guest could
// reach for: host pids, host-only syscalls, the 32-bit ABIs, fds it never opened and memory it was
// never given, and the host's network; each probe prints "blocked" or "ESCAPED", and any ESCAPED fails.
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createSocket } from 'node:dgram';
import { createServer, type AddressInfo } from 'node:net';
import { hostname, networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setImmediate as yieldToEvents } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IS_ROOT, runInSandbox, runNatively } from './helpers.js';
import { CLI, ROOTFS } from './paths.js';

const SOURCE = fileURLToPath(new URL('./programs/escape.c', import.meta.url));
const PROBES = fileURLToPath(new URL('./programs/probes.c', import.meta.url));
/** A key no other test or host program uses ('RVTS'). */
const IPC_KEY = 0x52565453;
/** Makes a System V segment, semaphore set and queue under the key it is given, and leaves them. */
const IPC_KEEP = `#include <stdio.h>
#include <stdlib.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/shm.h>
int main(int argc, char **argv) {
  key_t key = (key_t)strtol(argv[1], 0, 0);
  printf("shm %s, sem %s, msg %s\\n", shmget(key, 4096, IPC_CREAT | 0600) >= 0 ? "ok" : "failed",
         semget(key, 1, IPC_CREAT | 0600) >= 0 ? "ok" : "failed", msgget(key, IPC_CREAT | 0600) >= 0 ? "ok" : "failed");
  return 0;
}
`;

/**
 * Extended attributes of the file it is given, on the host or in a guest: `set` gives it names of
 * every namespace, those Linux would act on as a host's (a file capability, an overlay's opaque
 * mark) among them; `caps` gives it a file capability; `list` prints its names, `get NAME` the
 * size of a value, `remove NAME` removes one.
 */
const XATTR_TOOL = `#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/xattr.h>
int main(int argc, char **argv) {
  const char *op = argv[1], *file = argv[2];
  uint32_t caps[5] = {0x02000001, 1u << 21, 0, 0, 0}; /* cap_sys_admin, effective */
  if (strcmp(op, "set") == 0) {
    const char *names[] = {"user.plain", "user.rvisor.x", "trusted.overlay.opaque", "security.capability"};
    for (int i = 0; i < 4; i++) {
      int is_caps = strcmp(names[i], "security.capability") == 0;
      if (setxattr(file, names[i], is_caps ? (void *)caps : "y", is_caps ? sizeof caps : 1, 0) != 0) { perror(names[i]); return 1; }
    }
  } else if (strcmp(op, "caps") == 0) {
    if (setxattr(file, "security.capability", caps, sizeof caps, 0) != 0) { perror("caps"); return 1; }
  } else if (strcmp(op, "list") == 0) {
    char list[4096];
    ssize_t n = llistxattr(file, list, sizeof list);
    for (char *p = list; p < list + n; p += strlen(p) + 1) printf("%s\\n", p);
    return n < 0;
  } else if (strcmp(op, "get") == 0) {
    ssize_t n = getxattr(file, argv[3], NULL, 0);
    printf("%s %s\\n", argv[3], n < 0 ? strerror(errno) : n == 20 ? "20 bytes" : "other");
  } else if (strcmp(op, "remove") == 0) {
    printf("remove %s\\n", removexattr(file, argv[3]) == 0 ? "ok" : strerror(errno));
  }
  return 0;
}
`;

/** Text no guest may ever print; every decoy file holds it (escape.c looks for "DECOY"). */
const DECOY = 'DECOY-secret-outside-the-rootfs';

/** What `escape proc` must print: every path leads back inside the root or nowhere. */
const PROC_EXPECTED = `readlink /proc/self/root = /
/proc/self/root/../../../etc/shadow = -1 ENOENT
/proc/self/root/abs-dir-out/etc/shadow = -1 ENOENT
/proc/self/root/etc/passwd is /etc/passwd 1
/proc/self/root/.. is / 1
/proc/<pid>/root/../../etc/shadow = -1 ENOENT
readlink /proc/<child>/root = /
readlink /proc/<child>/cwd = /tmp
/proc/<child>/cwd/../../../etc/shadow = -1 ENOENT
/proc/<child>/root/rel-out = -1 ENOENT
readlink /proc/self/cwd = /tmp
/proc/self/cwd/../../../../etc/shadow = -1 ENOENT
readlink /proc/self/exe = /escape
/proc/self/exe is the program 1
/proc/self/exe/../etc/shadow = -1 ENOTDIR
/proc/self/fd/<root>/../../../etc/shadow = -1 ENOENT
readlink /proc/self/fd/<root> = /
/proc/1/root/abs-out = -1 ENOENT
`;

describe.skipIf(!IS_ROOT)('escapes from the rootfs', () => {
  let workDir: string;
  let rootfs: string;

  beforeAll(() => {
    // workDir/etc/shadow and workDir/secret-dir hold decoys; workDir/rootfs is the container's root.
    workDir = mkdtempSync(join(tmpdir(), 'rvisor-escape-'));
    mkdirSync(join(workDir, 'etc'));
    writeFileSync(join(workDir, 'etc/shadow'), `${DECOY}\n`);
    mkdirSync(join(workDir, 'secret-dir'));
    writeFileSync(join(workDir, 'secret-dir/file'), `${DECOY}\n`);
    writeFileSync(join(workDir, 'secret-dir/secret-name'), `${DECOY}\n`);
    rootfs = join(workDir, 'rootfs');
    execFileSync('cp', ['-a', ROOTFS, rootfs]);
    execFileSync('gcc', ['-static', '-O2', '-o', join(rootfs, 'escape'), SOURCE]);
    execFileSync('gcc', ['-static', '-O2', '-o', join(rootfs, 'probes'), PROBES]);
    writeFileSync(join(workDir, 'ipc-keep.c'), IPC_KEEP);
    execFileSync('gcc', ['-static', '-O2', '-o', join(rootfs, 'ipc-keep'), join(workDir, 'ipc-keep.c')]);
    // A mount point that exists only in the container: a mount passed to the host would fail ENOENT.
    mkdirSync(join(rootfs, 'probe-mnt'));
    // Symlinks that lead out of the rootfs if resolved by the host rather than inside the root.
    symlinkSync(join(workDir, 'etc/shadow'), join(rootfs, 'abs-out'));
    symlinkSync('../etc/shadow', join(rootfs, 'rel-out'));
    symlinkSync('../../../../../../etc/shadow', join(rootfs, 'tmp/deep-out'));
    symlinkSync('..', join(rootfs, 'dir-out'));
    symlinkSync(workDir, join(rootfs, 'abs-dir-out'));
    // The race: /race/dir is a real directory or, while swapped, a symlink to the host's secret-dir.
    mkdirSync(join(rootfs, 'race/dir'), { recursive: true });
    writeFileSync(join(rootfs, 'race/dir/file'), 'inside\n');
    symlinkSync(join(workDir, 'secret-dir'), join(rootfs, 'race/link-absolute'));
    symlinkSync('../../secret-dir', join(rootfs, 'race/link-relative'));
  });

  afterAll(() => {
    if (workDir) rmSync(workDir, { recursive: true, force: true });
  });

  it('keeps .., symlinks out of the root and symlink loops inside, as chroot does on Linux', () => {
    const sandboxed = runInSandbox(['/escape', 'paths'], { rootfs });
    const native = runNatively(['/escape', 'paths'], { rootfs });

    expect(sandboxed.stdout).not.toContain(DECOY);
    expect(sandboxed.stdout).not.toContain('decoy 1');
    expect(sandboxed.stdout).toContain('self loop = -1 ELOOP');
    expect(sandboxed.stdout).toContain('chain of 41 = -1 ELOOP');
    expect(sandboxed.stdout).toBe(native.stdout);
    expect(sandboxed.status).toBe(0);
  });

  it('leads /proc/self/root, /proc/<pid>/root, cwd, exe and fd links back inside the root', () => {
    const r = runInSandbox(['/escape', 'proc'], { rootfs });
    expect(r.stdout).not.toContain(DECOY);
    expect(r.stdout).toBe(PROC_EXPECTED);
    expect(r.status).toBe(0);
  });

  it('never reads the decoy while the host swaps a directory for a symlink out of the rootfs', async () => {
    const raceDir = join(rootfs, 'race');
    // A host that changes the rootfs under a running container is what --file-access shared is
    // for (the default, exclusive, caches lookups and would keep seeing one side of the swap).
    const args = [CLI, 'run', '--file-access', 'shared', '--rootfs', rootfs, '--', '/escape', 'race'];
    const guest = spawn(process.execPath, args, {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    guest.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    guest.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => guest.on('close', (code) => resolve(code)));
    let running = true;
    void exited.then(() => (running = false));

    // Swap /race/dir between the real directory and one of two symlinks out, a few hundred
    // times between yields so the guest's opens land at every point of the swap.
    let swaps = 0;
    const deadline = Date.now() + 20_000;
    while (running && Date.now() < deadline) {
      for (let i = 0; i < 100; i++, swaps++) {
        const link = swaps % 2 === 0 ? 'link-absolute' : 'link-relative';
        renameSync(join(raceDir, 'dir'), join(raceDir, 'real'));
        renameSync(join(raceDir, link), join(raceDir, 'dir'));
        renameSync(join(raceDir, 'dir'), join(raceDir, link));
        renameSync(join(raceDir, 'real'), join(raceDir, 'dir'));
      }
      await yieldToEvents();
    }
    if (running) guest.kill('SIGKILL');
    const status = await exited;

    expect(stdout).not.toContain(DECOY);
    expect(stdout).toBe('race: decoy 0 decoy-names 0\n');
    expect(status).toBe(0);
    // The guest saw the directory while it was in place.
    const inside = Number(/inside (\d+)/.exec(stderr)?.[1] ?? 0);
    expect(inside).toBeGreaterThan(0);
    expect(swaps).toBeGreaterThan(0);
  }, 30_000);

  it('keeps signals, ptrace, process_vm_readv/writev and /proc away from host pids', async () => {
    const signals = countSignals('SIGWINCH');
    try {
      // The guest learns the host pids from its stdin: this test runner's, the sandbox's own and
      // the runner's parent. Every probe must answer as for a pid that does not exist.
      const guest = spawn(process.execPath, [CLI, 'run', '--rootfs', rootfs, '--', '/probes', 'hostpid'], {
        stdio: ['pipe', 'pipe', 'pipe'],
      });
      guest.stdin.end(`${process.pid}\n${guest.pid}\n${process.ppid}\n`);
      const r = await finished(guest);
      expect(r.stdout).not.toContain('ESCAPED');
      expect(r.stdout.match(/: blocked \(/g)?.length).toBe(3 * 23 + 1);
      expect(r.stdout).toContain('escapes: 0\n');
      expect(r.status).toBe(0);
    } finally {
      // kill(-1) and kill(host pid) must not have reached this process.
      expect(signals.stop()).toBe(0);
    }
  });

  it('refuses host-only syscalls and leaves the host unchanged', () => {
    const before = hostState();
    const r = runInSandbox(['/probes', 'syscalls', hostRootDevice(), hostname()], { rootfs });
    expect(hostState()).toEqual(before);
    expect(r.stdout).not.toContain('ESCAPED');
    expect(r.stdout).toContain('hostname is virtual: yes\n');
    expect(r.stdout.match(/: blocked \(/g)?.length).toBe(23);
    expect(r.stdout).toContain('escapes: 0\n');
    expect(r.status).toBe(0);
  });

  it('lets sethostname and setdomainname rename the container only, and only with CAP_SYS_ADMIN', () => {
    const before = hostState();
    const script = [
      'hostname renamed-in-container && hostname && uname -n && cat /proc/sys/kernel/hostname',
      'cat /proc/sys/kernel/domainname',
      'su -s /bin/sh nobody -c "hostname by-nobody"; echo "as nobody: $?"; hostname',
    ].join('\n');
    const r = runInSandbox(['/bin/sh', '-c', script], { rootfs });
    expect(hostState()).toEqual(before);
    expect(r.stdout).toBe('renamed-in-container\n'.repeat(3) + '(none)\nas nobody: 1\nrenamed-in-container\n');
    expect(r.stderr).toContain('sethostname: Operation not permitted');
  });

  it('keeps a guest\'s trusted.* and security.* attributes, file capabilities among them, out of the host\'s namespaces', () => {
    writeFileSync(join(workDir, 'xattr-tool.c'), XATTR_TOOL);
    execFileSync('gcc', ['-static', '-O2', '-o', join(rootfs, 'xattr-tool'), join(workDir, 'xattr-tool.c')]);
    const onHost = (...args: string[]) => execFileSync(join(rootfs, 'xattr-tool'), args, { encoding: 'utf8' });
    const names = (out: string) => out.split('\n').filter(Boolean).sort();
    writeFileSync(join(rootfs, 'tmp/with-xattrs'), '');
    const r = runInSandbox(['/bin/sh', '-c', '/xattr-tool set /tmp/with-xattrs && /xattr-tool list /tmp/with-xattrs'], { rootfs });
    expect(r.stderr).toBe('');
    expect(names(r.stdout)).toEqual(['security.capability', 'trusted.overlay.opaque', 'user.plain', 'user.rvisor.x']);
    // On the host, the guest's user.* names and the rest under trusted.rvisor.: the host acts on none of them.
    expect(names(onHost('list', join(rootfs, 'tmp/with-xattrs')))).toEqual([
      'trusted.rvisor.security.capability', 'trusted.rvisor.trusted.overlay.opaque', 'user.plain', 'user.rvisor.x',
    ]);
    // A file capability the host's file carries (an image's) is the guest's to see and take away.
    writeFileSync(join(rootfs, 'tmp/host-caps'), '');
    onHost('caps', join(rootfs, 'tmp/host-caps'));
    const script = 'f=/tmp/host-caps; /xattr-tool list $f; /xattr-tool get $f security.capability; /xattr-tool remove $f security.capability; /xattr-tool get $f security.capability';
    const seen = runInSandbox(['/bin/sh', '-c', script], { rootfs });
    expect(seen.stdout).toBe('security.capability\nsecurity.capability 20 bytes\nremove ok\nsecurity.capability No data available\n');
    expect(onHost('list', join(rootfs, 'tmp/host-caps'))).toBe('');
  });

  it('keeps System V shared memory, semaphores and message queues in the container', () => {
    // The guest makes one of each under a key of its own and leaves them: none may be the host's.
    const r = runInSandbox(['/ipc-keep', String(IPC_KEY)], { rootfs });
    expect(r.stdout).toBe('shm ok, sem ok, msg ok\n');
    expect(r.status).toBe(0);
    for (const kind of ['shm', 'sem', 'msg']) {
      const keys = readFileSync(`/proc/sysvipc/${kind}`, 'utf8').split('\n').slice(1).map((line) => Number(line.trim().split(/\s+/)[0]));
      expect(keys).not.toContain(IPC_KEY);
    }
  });

  it('keeps the host\'s network out of reach: its loopback listeners, its addresses, its interfaces, raw and packet sockets', async () => {
    // The host listens for TCP and UDP on one port on every address; the guest tries its
    // 127.0.0.1 and one of its own addresses. Nothing may arrive.
    const tcp = createServer();
    let connections = 0;
    tcp.on('connection', (c) => {
      connections++;
      c.destroy();
    });
    await new Promise<void>((resolve) => tcp.listen(0, '0.0.0.0', resolve));
    const port = (tcp.address() as AddressInfo).port;
    const udp = createSocket('udp4');
    let datagrams = 0;
    udp.on('message', () => datagrams++);
    await new Promise<void>((resolve) => udp.bind(port, '0.0.0.0', resolve));
    const own = Object.values(networkInterfaces()).flat().find((a) => a?.family === 'IPv4' && !a.internal)?.address ?? '192.0.2.1';
    try {
      const guest = spawn(process.execPath, [CLI, 'run', '--rootfs', rootfs, '--', '/probes', 'network', String(port), own], {
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      const r = await finished(guest);
      await yieldToEvents();
      expect(r.stdout).not.toContain('ESCAPED');
      expect(r.stdout.match(/: blocked \(/g)?.length).toBe(10);
      expect(r.stdout).toContain('escapes: 0\n');
      expect(r.status).toBe(0);
      expect(connections).toBe(0);
      expect(datagrams).toBe(0);
    } finally {
      tcp.close();
      udp.close();
    }
  });

  it('kills i386 syscalls (int 0x80) and answers x32 numbers ENOSYS', () => {
    const signals = countSignals('SIGWINCH');
    let r;
    try {
      r = runInSandbox(['/probes', 'abi', String(process.pid)], { rootfs });
    } finally {
      expect(signals.stop()).toBe(0);
    }
    // The seccomp filter kills any non-x86-64 syscall: the guest's parent sees SIGSYS. A host
    // kernel without i386 emulation (ia32_emulation off, as on Linux 6.18 here) faults int 0x80
    // itself, before any filter: SIGSEGV, natively as well.
    const native = runNatively(['/probes', 'int80'], { rootfs }).stdout;
    const killedBy = native.includes('killed by signal 11') ? 11 : 31;
    expect(r.stdout).toContain(`int 0x80 getpid: blocked (killed by signal ${killedBy})\n`);
    expect(r.stdout).toContain(`int 0x80 kill(host pid, SIGWINCH): blocked (killed by signal ${killedBy})\n`);
    expect(r.stdout).toContain('x32 openat(/etc/passwd): blocked (ENOSYS)\n');
    expect(r.stdout).not.toContain('ESCAPED');
    expect(r.stdout).toContain('still running after int 0x80: yes\nescapes: 0\n');
    expect(r.status).toBe(0);
  });

  it('answers EBADF on every fd the guest never opened, the platform\'s own included', () => {
    // The guest's host process holds pmem and the stub at fds 3 and 4: a guest must never see them.
    const r = runInSandbox(['/probes', 'fds'], { rootfs });
    expect(r.stdout).toBe(
      'fds 3..1023: read 0 write 0 fstat 0 lseek 0 fcntl 0 dup2 0 fchdir 0 mmap 0 close 0 other-errno 0\n' +
        'fds never opened: blocked (EBADF on every one)\nescapes: 0\n',
    );
    expect(r.status).toBe(0);
  });

  it('keeps the trampoline page and memory the guest was never given out of its reach', () => {
    const r = runInSandbox(['/probes', 'memory'], { rootfs });
    expect(r.stdout).toContain('mmap MAP_FIXED over the trampoline: blocked (ENOMEM)\n');
    expect(r.stdout).toContain('mprotect(trampoline, RWX): blocked (ENOMEM)\n');
    expect(r.stdout).toContain('write(pipe, trampoline): blocked (EFAULT)\n');
    // A native write to the page faults: the guest cannot change the code the kernel injects through.
    expect(r.stdout).toContain('write to the trampoline page: blocked (killed by signal 11)\n');
    expect(r.stdout).not.toContain('ESCAPED');
    expect(r.stdout).toContain('escapes: 0\n');
    expect(r.status).toBe(0);
  });
});

/** Counts deliveries of a signal to this process until `stop()`, which returns the count. */
function countSignals(signal: NodeJS.Signals): { stop(): number } {
  let count = 0;
  const onSignal = (): void => {
    count++;
  };
  process.on(signal, onSignal);
  return {
    stop() {
      process.off(signal, onSignal);
      return count;
    },
  };
}

/** Waits for a child's exit, collecting its output. */
function finished(child: ReturnType<typeof spawn>): Promise<{ status: number | null; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve) => child.on('close', (status) => resolve({ status, stdout, stderr })));
}

/** The block device the host's / is mounted from (what a container must never mount). */
function hostRootDevice(): string {
  for (const line of readFileSync('/proc/self/mountinfo', 'utf8').split('\n')) {
    const fields = line.split(' ');
    const dash = fields.indexOf('-');
    if (fields[4] === '/' && dash > 0 && fields[dash + 2]?.startsWith('/dev/')) return fields[dash + 2]!;
  }
  return '/dev/vda1';
}

/** What the host-only syscalls would change had they passed through. */
function hostState(): Record<string, string> {
  const read = (path: string): string => {
    try {
      return readFileSync(path, 'utf8');
    } catch {
      return '(unreadable)';
    }
  };
  return {
    mounts: read('/proc/self/mountinfo'),
    swaps: read('/proc/swaps'),
    modules: read('/proc/modules'),
    hostname: hostname(),
    clockSane: String(Date.now() > Date.UTC(2020, 0, 1)),
  };
}
