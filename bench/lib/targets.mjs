// The report's "Against the targets" section: issue 7's targets, each checked against this run's
// medians, with the gap where one is missed and the reason measured for it (docs/benchmarks.md,
// "Against the targets", has the measurements behind each reason).
import { fmt } from './util.mjs';

const KERNEL_OVER_FLOOR = 1.2;
const WRITING_DISK = 1.5;
const MKDIR_RMDIR = 1.3;
/** Rows within this fraction of proot's time are level: less than the runs' spread. */
const LEVEL = 0.02;

// Why a row is further from native than its target, where the floor does not explain it.
const OVER_NATIVE = {
  'write-disk': 'the kernel adds its round trips around the host write, whose caches the copy has emptied',
  mkdir: 'most of a pair, natively too, is rmdir waiting for the disk (a synchronous discard); the kernel adds the round trips after its host mkdirat, fstatat (the new directory\'s identity) and unlinkat, and the row swings with the disk from run to run',
};

const FORK = 'proot lets fork run on the host; here the kernel injects the host fork and maps copies of the parent\'s small writable mappings in the child';
const FORK_HEAP = 'proot lets fork run on the host; here the kernel injects the host fork, write-protects the heap on the host (one mprotect), and the child\'s write and the parent\'s first one after are faults that copy a 256 KiB chunk and take the rest back (docs/processes.md, "fork")';
const THREAD = 'proot lets clone run on the host; here a create and join is ~10 traps, an injected clone and ~29 context switches';
const EXECVE = 'proot only rewrites execve\'s path; here the kernel maps the image and every start-up call of the new program is a trap';
const COLD = '; and these rounds are the kernel\'s first, run while V8 compiles its hot functions on the same CPU (the "after … untimed rounds" rows, and the warm sandbox\'s, are the same work once warm)';

const CC_J2 = 'proot\'s compilers make their calls on both CPUs; here every trap is served by the kernel\'s one thread, on the CPU where one of the two compilers runs (the other is moved away while it computes, docs/platform.md, "Spilling")';

// Why rVisor-ts is slower than proot on a row: proot traps only path syscalls.
const BEHIND_PROOT = {
  clock: 'both read a vDSO; the kernel\'s divides by 10⁹ where Linux\'s, whose page is rewritten every tick, keeps seconds apart (docs/platform.md, "Time and the vDSO")',
  write1m: 'proot lets write run on the host; here each 1 MiB write is a trap and a host write from the kernel, and the run is the kernel\'s first open, write and close of a new file (together ~1.2 ms more than natively, ~9 µs per write of the 128)',
  pipe: 'proot lets read and write run on the host; here each is a trap',
  pingpong: 'proot lets read and write run on the host; here each is a trap',
  'write-disk': 'proot lets write and fsync run on the host; here each is a trap',
  mkdir: 'both trap mkdir and rmdir',
  fork: `${FORK}${COLD}`,
  thread: `${THREAD}${COLD}`,
  execve: `${EXECVE}${COLD}`,
  'execve-dynamic': `${EXECVE}${COLD}`,
  'fork-warm': FORK,
  'fork-heap': `${FORK_HEAP}${COLD}`,
  'thread-warm': THREAD,
  'execve-warm': EXECVE,
  'execve-dynamic-warm': EXECVE,
  sqlite: 'proot traps the 8 of ~31 syscalls per row that take a path; here all are trapped',
  'tar-gzip': 'proot lets read, write and fork run on the host; here every call is a trap, run once, before V8 has optimised the kernel',
  cc: 'proot lets mmap, brk, read, write and vfork run on the host; here each of a compile\'s ~660 syscalls is a trap, and its three programs start through the kernel\'s execve; a fresh sandbox runs them before V8 has optimised the kernel, and its first compile reads cc1 (33 MB) and the libraries into the kernel\'s memory',
  'cc-j2': `${CC_J2}; and the sandbox is fresh, as on the cc row`,
};

// Why a warm sandbox is still slower than proot on a row without a "-warm" twin.
const WARM_BEHIND_PROOT = {
  write1m: 'proot lets write run on the host; here each 1 MiB write is a trap and a host write from the kernel',
  'tar-gzip': 'proot lets read, write and fork run on the host; here every call is a trap',
  cc: 'proot lets mmap, brk, read, write and vfork run on the host; here each of a compile\'s ~660 syscalls is a trap, and its three programs start through the kernel\'s execve',
  'cc-j2': CC_J2,
  'fork-heap': FORK_HEAP,
};

/** `x ÷ base` as "1.23×". */
const times = (x) => `${x >= 10 ? x.toFixed(1) : x.toFixed(2)}×`;
/** How far `value` is over `limit`, as "12% over". */
const over = (value, limit) => `${Math.round((value / limit - 1) * 100)}% over`;

/**
 * The section's lines: one table row per target, and the reason for each one missed.
 * @param {{ table: { w: { key: string, title: string }, medians: Record<string, number> }[],
 *   startup: { key: string, ns?: number }[] | undefined }} run
 */
export function targetLines({ table, startup }) {
  const rows = [];
  const byKey = new Map(table.map((t) => [t.w.key, t]));

  // The kernel's own overhead: rows the bare tracer runs that trap (clock_gettime reads the vDSO).
  const floorRows = table.filter((t) => t.medians.floor !== undefined && t.medians.runrsc !== undefined && t.w.key !== 'clock');
  if (floorRows.length > 0) {
    const ratios = floorRows.map((t) => ({ key: t.w.key, r: t.medians.runrsc / t.medians.floor }));
    const missed = ratios.filter((x) => x.r > KERNEL_OVER_FLOOR);
    rows.push({
      target: `kernel ≤ ${KERNEL_OVER_FLOOR}× the bare C tracer on syscall-bound rows`,
      measured: ratios.map((x) => `${x.key} ${times(x.r)}`).join(', '),
      verdict: missed.length === 0 ? 'met' : `missed on ${missed.map((x) => `${x.key} (${over(x.r, KERNEL_OVER_FLOOR)})`).join(', ')}`,
      why: missed.length === 0 ? undefined
        : 'what the kernel adds is its JavaScript (the walk, the encoding) and, for open, mkdir and the writes, the host call it makes for the guest: the round trip after a host call is slower than after getppid (caches)'
          + (missed.some((x) => x.key === 'mkdir' || x.key === 'write-disk') ? '; the disk-bound rows (mkdir, write-disk) also swing with the disk from run to run, by up to a third' : ''),
    });
  }

  for (const [key, limit] of [['write-disk', WRITING_DISK], ['mkdir', MKDIR_RMDIR]]) {
    const t = byKey.get(key);
    if (t?.medians.runrsc === undefined || t.medians.native === undefined) continue;
    const r = t.medians.runrsc / t.medians.native;
    const floor = t.medians.floor === undefined ? undefined : t.medians.floor / t.medians.native;
    const floorNote = floor === undefined ? '' : `; the bare tracer alone: ${times(floor)}`;
    rows.push({
      target: `${t.w.title.split(':')[0]} ≤ ${limit}× native`,
      measured: `${times(r)}${floorNote}`,
      verdict: r <= limit ? 'met' : over(r, limit),
      why: r <= limit ? undefined
        : floor !== undefined && floor > limit ? 'out of reach for any ptrace tracer here: the bare tracer alone is above the target'
          : OVER_NATIVE[key],
    });
  }

  const shared = table.filter((t) => t.medians.runrsc !== undefined && t.medians.proot !== undefined);
  if (shared.length > 0) {
    const vsProot = (t) => t.medians.runrsc / t.medians.proot;
    const behind = shared.filter((t) => vsProot(t) > 1 + LEVEL);
    const level = shared.filter((t) => vsProot(t) >= 1 - LEVEL && vsProot(t) <= 1 + LEVEL);
    const faster = shared.length - behind.length - level.length;
    const levelNote = level.length === 0 ? '' : `, level (within ${LEVEL * 100}%) on ${level.map((t) => t.w.key).join(', ')}`;
    rows.push({
      target: 'faster than proot on every shared row',
      measured: `faster on ${faster} of ${shared.length}${levelNote}`,
      verdict: behind.length === 0 && level.length === 0 ? 'met'
        : behind.length === 0 ? 'level where not faster'
          : `slower on ${behind.map((t) => `${t.w.key} (${times(vsProot(t))} proot)`).join(', ')}`,
      why: behind.length === 0 ? undefined
        : behind.map((t) => `${t.w.key}: ${BEHIND_PROOT[t.w.key] ?? 'not yet explained'}`).join('; '),
    });
  }

  // The rows a fresh sandbox runs cold, again in a sandbox that has run them before.
  const warm = table.filter((t) => t.medians['runrsc-warm'] !== undefined && t.medians.proot !== undefined);
  if (warm.length > 0) {
    const vsProot = (t) => t.medians['runrsc-warm'] / t.medians.proot;
    const behind = warm.filter((t) => vsProot(t) > 1 + LEVEL);
    rows.push({
      target: 'the same, for the rows a fresh sandbox runs cold, in a warm sandbox',
      measured: warm.map((t) => `${t.w.key} ${times(vsProot(t))} proot`).join(', '),
      verdict: behind.length === 0 ? 'met' : `slower on ${behind.map((t) => t.w.key).join(', ')}`,
      why: behind.length === 0 ? undefined
        : behind.map((t) => `${t.w.key}: ${BEHIND_PROOT[`${t.w.key}-warm`] ?? WARM_BEHIND_PROOT[t.w.key] ?? 'not yet explained'}`).join('; '),
    });
  }

  const ns = (key) => startup?.find((s) => s.key === key)?.ns;
  // Each of ours against runc doing the same.
  const pairs = [
    ['OCI bundle', ns('runrsc-oci'), ns('runc')],
    ['run --rootfs', ns('runrsc-rootfs'), ns('runc')],
    ['create + start', ns('runrsc-create-start'), ns('runc-create-start')],
  ].filter(([, ours, theirs]) => ours !== undefined && theirs !== undefined);
  if (pairs.length > 0) {
    const worst = Math.max(...pairs.map(([, ours, theirs]) => ours / theirs));
    const node = ns('node');
    const runc = ns('runc');
    rows.push({
      target: 'start-up ≤ runc\'s',
      measured: pairs.map(([name, ours, theirs]) => `${name} ${fmt(ours / 1e6)} ms (${times(ours / theirs)} runc)`).join(', '),
      verdict: worst <= 1 ? 'met' : `missed: up to ${times(worst)} runc's`,
      why: worst <= 1 ? undefined
        : `${node === undefined ? 'Node\'s own start' : `Node's own start (\`node -e 0\`, ${fmt(node / 1e6)} ms${runc === undefined ? '' : `, ${times(node / runc)} runc`})`} comes first; then loading the kernel's bundle and its first, unoptimised run of a guest; create starts a sandbox process of its own, a second Node`,
    });
  }

  if (rows.length === 0) return [];
  return [
    '| target | measured | verdict |',
    '|---|---|---|',
    ...rows.map((r) => `| ${r.target} | ${r.measured} | ${r.verdict} |`),
    '',
    ...rows.filter((r) => r.why).map((r) => `- **${r.target}**: ${r.why}.`),
  ];
}
