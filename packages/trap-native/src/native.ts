/**
 * The raw binding: the shape of the `.node` addon built from ../native (napi-rs CLI, no generated
 * loader). Only this module touches it.
 *
 * @internal
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface NativeBinding {
  init(pmemSize: number, cpu: number, useTsc: number, waitRing: number, spill: number): ArrayBuffer;
  repin(index: number, spill: number): number;
  allowedCpu(index: number): number;
  pmemChunk(offset: number, length: number): ArrayBuffer;
  pmemRelease(offset: number, length: number): number;
  pmemCopy(from: number, to: number, length: number): number;
  pmemOverwrite(from: number, to: number, length: number): number;
  pmemFill(to: number, fd: number, fileOffset: number, length: number): number;
  constants(): ArrayBuffer;
  spawn(): number;
  resumeAndWait(tid: number, regs: BigUint64Array | null, signal: number, timeoutNs: number): number;
  inject(tid: number, regs: BigUint64Array, calls: BigInt64Array): number;
  stopNotified(tid: number, result: number): number;
  kill(tid: number): number;
  interrupt(tid: number, signal: number): number;
  fpregs(tid: number, buf: Uint8Array, set: number): number;
  regset(tid: number, nt: number, buf: Uint8Array, set: number): number;
  watch(fd: number, events: number): number;
  unwatch(fd: number): number;
  shutdown(): void;
  clockNow(): bigint;
  processCpuNs(pid: number, which: number): number;
  clockRealtimeOffset(): bigint;
  vdso(): ArrayBuffer | undefined;
  timePage(offset: number, keep: number): void;
  openat(dirfd: number, path: string, flags: number, mode: number): number;
  close(fd: number): number;
  fstatat(dirfd: number, path: string, flags: number, statBuf: Uint8Array): number;
  getdents64(fd: number, buf: Uint8Array): number;
  readlinkat(dirfd: number, path: string, buf: Uint8Array): number;
  read(fd: number, buf: Uint8Array): number;
  write(fd: number, buf: Uint8Array): number;
  pread(fd: number, buf: Uint8Array, offset: number): number;
  pwrite(fd: number, buf: Uint8Array, offset: number): number;
  lseek(fd: number, offset: number, whence: number): number;
  pollNow(fd: number, events: number): number;
  ioctl(fd: number, request: number, arg: Uint8Array): number;
  mkdirat(dirfd: number, path: string, mode: number): number;
  mknodat(dirfd: number, path: string, mode: number, dev: number): number;
  unlinkat(dirfd: number, path: string, flags: number): number;
  renameat2(olddirfd: number, oldpath: string, newdirfd: number, newpath: string, flags: number): number;
  symlinkat(target: string, newdirfd: number, linkpath: string): number;
  linkat(olddirfd: number, oldpath: string, newdirfd: number, newpath: string, flags: number): number;
  fchmodat(dirfd: number, path: string, mode: number, flags: number): number;
  fchmod(fd: number, mode: number): number;
  fchownat(dirfd: number, path: string, uid: number, gid: number, flags: number): number;
  ftruncate(fd: number, length: number): number;
  fallocate(fd: number, mode: number, offset: number, length: number): number;
  utimensat(dirfd: number, path: string, times: BigInt64Array | Uint8Array | null, flags: number): number;
  fsync(fd: number): number;
  fdatasync(fd: number): number;
  syncfs(fd: number): number;
  fstatfs(fd: number, buf: Uint8Array): number;
  getxattrat(dirfd: number, name: string, attr: string, buf: Uint8Array): number;
  setxattrat(dirfd: number, name: string, attr: string, value: Uint8Array, flags: number): number;
  listxattrat(dirfd: number, name: string, buf: Uint8Array): number;
  removexattrat(dirfd: number, name: string, attr: string): number;
}

const BINARY = 'trap-native.linux-x64-gnu.node';

let binding: NativeBinding | undefined;

/**
 * Where the addon is: in this package's directory, found through the package, not this file (a
 * bundle, runrsc's CLI, has this code elsewhere). First as Node finds a package, in the
 * `node_modules` of this directory or one above it; Node's own resolver, which also reads the
 * package.json files and their exports on the way, cost ~2 ms of every start, and is left for
 * layouts that walk does not find.
 */
function binaryPath(require: NodeRequire): string {
  for (let dir = dirname(fileURLToPath(import.meta.url)); ; dir = dirname(dir)) {
    const candidate = join(dir, 'node_modules', '@rvisor', 'trap-native', BINARY);
    if (existsSync(candidate)) return candidate;
    if (dirname(dir) === dir) break;
  }
  return join(dirname(require.resolve('@rvisor/trap-native/package.json')), BINARY);
}

/** Load the addon (once). Throws a clear error off x86-64 Linux or when it was not built. */
export function loadNative(): NativeBinding {
  if (binding) return binding;
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    throw new Error(`@rvisor/trap-native runs on x86-64 Linux only (this is ${process.platform}/${process.arch})`);
  }
  const require = createRequire(import.meta.url);
  try {
    binding = require(binaryPath(require)) as NativeBinding;
  } catch (err) {
    throw new Error(
      `@rvisor/trap-native: cannot load ${BINARY} (build it with \`pnpm --filter @rvisor/trap-native build\`): ${(err as Error).message}`,
    );
  }
  return binding;
}
