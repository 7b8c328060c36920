// The workloads `pnpm bench` times. Each runs one static program from bench/programs (built into
// /bench of the scratch rootfs) that times itself and prints "ns_per_op X" or "ns_per_call X",
// so no mode's start-up is counted. `n` is the operation count at --scale 1.

/** @typedef {'us' | 'ms' | 'MB/s'} Unit */

/**
 * @typedef {object} Workload
 * @property {string} key        name for --only and the results
 * @property {string} group      syscall | file | ipc | process | real
 * @property {string} title      what one operation is
 * @property {Unit} unit         µs or ms per operation, or MB/s for block workloads
 * @property {number} [bytes]    bytes per operation (MB/s workloads)
 * @property {number} n          operations at --scale 1
 * @property {boolean} floor     whether the bare tracer can run it (it does not follow forks)
 * @property {(n: number) => string[]} argv  the command inside the rootfs
 * @property {string} [needs]    a host file the workload needs
 * @property {number} [sandboxWarmUp]  for a job a fresh sandbox runs cold: how many untimed runs
 *   the warm-sandbox mode makes first (about as many rounds as the "after … untimed rounds" rows)
 * @property {boolean} [allCpus]  runs every mode on every CPU, even under --pin yes: a job that
 *   measures using more than one
 */

const fileLoop = (work) => (n) => ['/bench/file-loop', work, '/tmp', String(n)];
const inShell = (script) => () => ['/bench/timeit', '/bin/sh', '-c', script];

/** @type {Workload[]} */
export const WORKLOADS = [
  { key: 'getppid', group: 'syscall', title: 'getppid round trip', unit: 'us', n: 100000, floor: true, argv: (n) => ['/bench/getppid-loop', String(n)] },
  { key: 'clock', group: 'syscall', title: 'clock_gettime(CLOCK_MONOTONIC) through libc', unit: 'us', n: 1000000, floor: true, argv: (n) => ['/bench/clock-loop', String(n)] },
  { key: 'open', group: 'file', title: 'open + close of a 1 MiB file', unit: 'us', n: 20000, floor: true, argv: fileLoop('open') },
  { key: 'stat', group: 'file', title: 'stat', unit: 'us', n: 50000, floor: true, argv: fileLoop('stat') },
  { key: 'read4k', group: 'file', title: '4 KiB pread', unit: 'us', n: 100000, floor: true, argv: fileLoop('read4k') },
  { key: 'write4k', group: 'file', title: '4 KiB pwrite', unit: 'us', n: 100000, floor: true, argv: fileLoop('write4k') },
  { key: 'write1m', group: 'file', title: '1 MiB sequential writes (no fsync)', unit: 'MB/s', bytes: 1 << 20, n: 128, floor: true, sandboxWarmUp: 10, argv: fileLoop('write1m') },
  { key: 'write-disk', group: 'file', title: 'Writing disk: 4 KiB writes + fsync (64 MiB)', unit: 'MB/s', bytes: 4096, n: 16384, floor: true, argv: fileLoop('write-disk') },
  { key: 'mkdir', group: 'file', title: 'Mkdir/Rmdir pair', unit: 'us', n: 5000, floor: true, argv: fileLoop('mkdir') },
  { key: 'pingpong', group: 'ipc', title: 'pipe ping-pong (1-byte round trip)', unit: 'us', n: 20000, floor: false, argv: fileLoop('pingpong') },
  { key: 'pipe', group: 'ipc', title: 'pipe throughput, 64 KiB writes child → parent', unit: 'MB/s', bytes: 65536, n: 32768, floor: false, argv: fileLoop('pipe') },
  { key: 'fork', group: 'process', title: 'fork + _exit + waitpid', unit: 'us', n: 200, floor: false, sandboxWarmUp: 15, argv: (n) => ['/bench/proc-loop', 'fork', String(n)] },
  { key: 'fork-heap', group: 'process', title: 'fork + _exit + waitpid with 64 MiB of heap (the child writes a byte of it, the parent one per MiB after)', unit: 'us', n: 100, floor: false, sandboxWarmUp: 5, argv: (n) => ['/bench/proc-loop', '--heap', '64', 'fork', String(n)] },
  { key: 'thread', group: 'process', title: 'pthread_create + pthread_join', unit: 'us', n: 1000, floor: false, sandboxWarmUp: 5, argv: (n) => ['/bench/proc-loop', 'thread', String(n)] },
  { key: 'execve', group: 'process', title: 'fork + execve + waitpid', unit: 'us', n: 200, floor: false, sandboxWarmUp: 10, argv: (n) => ['/bench/proc-loop', 'execve', String(n)] },
  { key: 'execve-dynamic', group: 'process', title: 'fork + execve of a dynamic program + waitpid', unit: 'us', n: 200, floor: false, sandboxWarmUp: 10, argv: (n) => ['/bench/proc-loop', 'execve', String(n), '/bench/noop-dynamic'] },
  // The same rounds once the kernel's JIT has warmed up (untimed rounds first, enough here for the
  // per-round time to stop falling): what a long-running workload pays, where the rows above are
  // what a short one does.
  { key: 'fork-warm', group: 'process', title: 'fork + _exit + waitpid, after 3 000 untimed rounds', unit: 'us', n: 1000, floor: false, argv: (n) => ['/bench/proc-loop', '--warm', '3000', 'fork', String(n)] },
  { key: 'thread-warm', group: 'process', title: 'pthread_create + pthread_join, after 5 000 untimed rounds', unit: 'us', n: 2000, floor: false, argv: (n) => ['/bench/proc-loop', '--warm', '5000', 'thread', String(n)] },
  { key: 'execve-warm', group: 'process', title: 'fork + execve + waitpid, after 2 000 untimed rounds', unit: 'us', n: 500, floor: false, argv: (n) => ['/bench/proc-loop', '--warm', '2000', 'execve', String(n)] },
  { key: 'execve-dynamic-warm', group: 'process', title: 'fork + execve of a dynamic program + waitpid, after 2 000 untimed rounds', unit: 'us', n: 500, floor: false, argv: (n) => ['/bench/proc-loop', '--warm', '2000', 'execve', String(n), '/bench/noop-dynamic'] },
  {
    key: 'sqlite', group: 'real', title: 'sqlite3: 10 000 INSERTs, one transaction each (× --scale)', unit: 'ms', n: 1, floor: false, needs: '/usr/bin/sqlite3',
    argv: inShell('rm -f /tmp/bench.db /tmp/bench.db-journal && /usr/bin/sqlite3 /tmp/bench.db < /bench/insert.sql > /tmp/sqlite.out'),
  },
  {
    key: 'cc', group: 'real', title: 'gcc -O2 -c of a 160-line C file, 10 times (driver, cc1 and as each time)', unit: 'ms', n: 1, floor: false, sandboxWarmUp: 3,
    argv: inShell('for i in 1 2 3 4 5 6 7 8 9 10; do gcc -O2 -nostdinc -c /bench/compile.c -o /tmp/compile.o || exit 1; done'),
  },
  {
    key: 'cc-j2', group: 'real', title: 'the same 10 compiles, two at a time (as `make -j2`), every mode on all CPUs', unit: 'ms', n: 1, floor: false, sandboxWarmUp: 3, allCpus: true,
    argv: inShell(
      'for i in 1 2 3 4 5; do gcc -O2 -nostdinc -c /bench/compile.c -o /tmp/a.o & p=$!; ' +
        'gcc -O2 -nostdinc -c /bench/compile.c -o /tmp/b.o && wait $p || exit 1; done',
    ),
  },
  {
    key: 'tar-gzip', group: 'real', title: 'busybox tar piped to gzip, packages/*/src', unit: 'ms', n: 1, floor: false, sandboxWarmUp: 5,
    argv: inShell('tar cf - -C / src | gzip -c > /tmp/src.tar.gz'),
  },
];

/** A time per operation (ns) in the workload's display unit. */
export function inUnit(workload, ns) {
  if (workload.unit === 'MB/s') return (workload.bytes / ns) * 1000;
  return workload.unit === 'ms' ? ns / 1e6 : ns / 1000;
}

/** The label of a workload's unit. */
export const unitLabel = (w) => (w.unit === 'us' ? 'µs/op' : w.unit === 'ms' ? 'ms' : 'MB/s');
