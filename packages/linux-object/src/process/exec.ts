/**
 * execve: the kernel's own loader. The host's execve never sees a guest path: the kernel reads the
 * ELF through its VFS, builds VMOs for the segments and the stack, maps them into the guest's host
 * process, and points the registers at the entry. Images read once are kept for the next execve of
 * the same unchanged file (`Kernel.images`).
 *
 * @module
 */
import { execDone } from './ptrace.js';
import { execCapabilities, type FileCapabilities } from './capabilities.js';
import { Reg, Vmo, ZxError, ZxStatus, bytesToString, type Registers } from '@rvisor/zircon-object';
import type { Stat } from '../abi/stat.js';
import { Signo } from '../abi/signal.js';
import { buildInitialStack } from '../elf/stack.js';
import { ArgListTooLongError, ElfError } from '../elf/error.js';
import { elfHeaderSpan, parseElf, type ElfImage } from '../elf/parse.js';
import { elfLoadSpan, layoutElf, type ElfLayout } from '../elf/layout.js';
import { standardAuxv } from '../elf/auxv.js';
import { Errno, KernelError } from '../errno.js';
import { fillRandom } from '../random.js';
import { preadFully, readIntoVmo, type OpenFile } from '../fs/open-file.js';
import type { INode } from '../fs/inode.js';
import type { PathRef } from '../fs/path-ref.js';
import { XATTR_NAME_CAPS, parseFileCaps } from '../fs/xattr.js';
import { O_RDONLY, PROT_READ, PROT_WRITE, S_IFMT, S_IFREG, S_ISGID, S_ISUID, S_IXGRP } from '../abi/index.js';
import { MAY_EXEC, checkAccess, fsIds } from '../fs/permission.js';
import { LoadedImage, versionOf } from './image-cache.js';
import { fileSource } from './file-contents.js';
import { releaseFile, retainFile } from '../fs/fd-table.js';
import type { Kernel } from './kernel.js';
import { PIE_BASE, STACK_SIZE, STACK_TOP } from './layout.js';
import type { LinuxThread } from './process.js';

const MAX_SHEBANG_DEPTH = 5;
/** Linux's BINPRM_BUF_SIZE: the longest `#!` line it honours. */
const BINPRM_BUF_SIZE = 256;
/** How much of a file is read first: the ELF headers of ordinary programs, or a `#!` line. */
const HEAD_SIZE = 4096;
/** Program headers further into the file than this are refused. */
const MAX_HEADER_SPAN = 1 << 20;

/** A program checked and read, ready to be mapped. */
interface Program {
  path: string;
  /** With a reference held for this execve. */
  loaded: LoadedImage;
  /** The file's owner, group and mode: its set-user-ID and set-group-ID bits. */
  st: Stat;
  /** Whether its mount ignores those bits and its file capabilities (nosuid). */
  nosuid: boolean;
  /** Its file capabilities (security.capability), if it has any. */
  fileCaps: FileCapabilities | undefined;
}

/**
 * The file capabilities of a program, read once per image: an image is kept only while the file's
 * ctime is unchanged, and setting or removing the attribute changes it.
 */
function fileCapsOf(kernel: Kernel, loaded: LoadedImage, inode: INode): FileCapabilities | undefined {
  if (loaded.fileCaps !== undefined) return loaded.fileCaps ?? undefined;
  let value: Uint8Array;
  try {
    value = inode.getXattr?.(XATTR_NAME_CAPS) ?? new Uint8Array(0);
  } catch (err) {
    if (!(err instanceof KernelError) || (err.errno !== Errno.ENODATA && err.errno !== Errno.EOPNOTSUPP)) throw err;
    value = new Uint8Array(0);
  }
  const caps = value.length === 0 ? undefined : parseFileCaps(value);
  loaded.fileCaps = caps ?? null;
  if (value.length > 0) kernel.vfs.privileges.addCaps(inode); // a write takes them away
  return caps;
}

/** The first `len` bytes of the file (fewer if it is shorter). */
function readHead(file: OpenFile, len: number): Uint8Array {
  const buf = new Uint8Array(len);
  return buf.subarray(0, preadFully(file, buf, 0));
}

/**
 * Find `path` for execution: search permission along the path and execute permission on the file
 * for the caller's ids (read permission is not needed, as in Linux); EACCES for a directory or any
 * non-regular file.
 */
function findExecutable(thread: LinuxThread, path: string): { ref: PathRef; st: Stat } {
  const fs = thread.process.fs;
  const ids = fsIds(thread.process.cred);
  const ref = fs.lookup(path, { followLast: true, ids });
  const st = ref.inode.stat();
  if ((st.mode & S_IFMT) !== S_IFREG) throw new KernelError(Errno.EACCES);
  checkAccess(ids, st, MAY_EXEC);
  return { ref, st };
}

/** Parse the ELF headers, reading past `head` only when the program headers lie beyond it. */
function readImage(file: OpenFile, head: Uint8Array, size: number): ElfImage {
  let bytes = head;
  for (;;) {
    const need = elfHeaderSpan(bytes);
    if (need <= bytes.length) break;
    if (need > size || need > MAX_HEADER_SPAN) throw new KernelError(Errno.ENOEXEC, 'ELF headers beyond the file');
    bytes = readHead(file, need);
  }
  return parseElf(bytes, size);
}

/** Parse "#!interp [arg]" from the start of a script, as Linux's binfmt_script. */
function parseShebang(file: Uint8Array): { interp: string; arg?: string } | null {
  const head = file.subarray(0, BINPRM_BUF_SIZE); // Linux reads no further for the `#!` line
  if (head.length < 2 || head[0] !== 0x23 || head[1] !== 0x21) return null;
  let end = head.indexOf(0x0a);
  const truncated = end < 0 && file.length > BINPRM_BUF_SIZE;
  if (end < 0) end = head.length;
  const raw = bytesToString(head.subarray(2, end));
  const line = raw.replace(/[ \t]+$/, '').replace(/^[ \t]+/, '');
  if (line === '') throw new KernelError(Errno.ENOEXEC);
  const m = /^(\S+)(?:[ \t]+(.*))?$/.exec(line);
  if (!m) throw new KernelError(Errno.ENOEXEC);
  // A line cut by the buffer may lose its arguments, but not part of the interpreter's name.
  if (truncated && !/[ \t]/.test(raw.replace(/^[ \t]+/, ''))) throw new KernelError(Errno.ENOEXEC);
  return m[2] ? { interp: m[1], arg: m[2] } : { interp: m[1] };
}

/**
 * Find `path` and, when `scripts` is set, follow `#!` lines to the ELF that will run, rewriting
 * argv as Linux does; read that ELF, or take it from the kernel's image cache. An interpreter
 * named by PT_INTERP must itself be an ELF.
 */
function resolveProgram(kernel: Kernel, thread: LinuxThread, path: string, argv: string[], scripts: boolean): Program {
  for (let depth = 0; ; depth++) {
    const { ref, st } = findExecutable(thread, path);
    const fs = ref.inode.fs;
    // The resolved path names the image (/proc/<pid>/exe, maps), not the one given.
    const cached = kernel.images.get(fs, st);
    if (cached) return program(kernel, ref, cached, st);
    const file = ref.inode.open(O_RDONLY, ref.path); // the kernel reads the image, not the caller
    file.location = ref;
    retainFile(file); // an unshared image's VMOs may keep it (fileSource)
    let shebang: ReturnType<typeof parseShebang>;
    try {
      const head = readHead(file, Math.min(HEAD_SIZE, st.size));
      shebang = scripts ? parseShebang(head) : null;
      if (!shebang) return program(kernel, ref, loadImage(kernel, file, readImage(file, head, st.size), st, ref.path), st);
    } catch (err) {
      if (err instanceof ElfError) throw new KernelError(Errno.ENOEXEC, err.reason);
      if (err instanceof ZxError && err.status === ZxStatus.ERR_NO_MEMORY) throw new KernelError(Errno.ENOMEM);
      throw err;
    } finally {
      releaseFile(file);
    }
    if (depth >= MAX_SHEBANG_DEPTH) throw new KernelError(Errno.ELOOP);
    // argv becomes [interp, arg?, script path, original argv[1..]].
    argv.splice(0, 1, shebang.interp, ...(shebang.arg ? [shebang.arg] : []), path);
    path = shebang.interp;
  }
}

/** The program at `ref`, read as `loaded`; its file capabilities count unless its mount is nosuid. */
function program(kernel: Kernel, ref: PathRef, loaded: LoadedImage, st: Stat): Program {
  const nosuid = ref.mount.nosuid;
  const fileCaps = nosuid ? undefined : fileCapsOf(kernel, loaded, ref.inode);
  return { path: ref.path, loaded, st, nosuid, fileCaps };
}

/**
 * Read the mappings' bytes of `image` from `file`; the image is cached when the file has settled
 * (see `ImageCache.accepts`) and is still the one `st` describes.
 */
function loadImage(kernel: Kernel, file: OpenFile, image: ElfImage, st: Stat, path: string): LoadedImage {
  const fs = file.location!.inode.fs;
  const shared = kernel.images.accepts(fs, st) && versionOf(st) === versionOf(file.stat());
  const loaded = new LoadedImage(image, {
    allocator: kernel.allocator,
    account: kernel.memoryAccount,
    name: path,
    origin: { dev: st.dev, ino: st.ino },
    readInto: (vmo, at, offset, length) => void readIntoVmo(file, vmo, at, offset, length),
    vmoSource: () => fileSource(file),
  }, shared);
  if (shared) kernel.images.put(fs, st, loaded);
  return loaded;
}

/** Map an ELF's segments into the process. */
function mapElf(kernel: Kernel, thread: LinuxThread, prog: Program, layout: ElfLayout): void {
  prog.loaded.mapInto(thread.process.vmar, layout, kernel.allocator, kernel.memoryAccount, prog.path);
}

/**
 * Implements the loading half of Linux's execve(2) for `thread`, stopped in a syscall with
 * registers `regs`. Errors before the point of no return leave the process untouched.
 */
export function execve(kernel: Kernel, thread: LinuxThread, regs: Registers, path: string, argv: string[], envp: string[]): void {
  argv = [...argv];
  const prog = resolveProgram(kernel, thread, path, argv, true);
  let interp: Program | undefined;
  try {
    const interpPath = prog.loaded.image.interp;
    if (interpPath !== undefined) interp = resolveProgram(kernel, thread, interpPath, [], false);
    replaceImage(kernel, thread, regs, path, argv, envp, prog, interp);
  } finally {
    prog.loaded.release(); // the mappings keep what they map
    interp?.loaded.release();
  }
}

/**
 * The effective user and group ids `prog` runs with: its owner when it is set-user-ID, its group
 * when set-group-ID (and group-executable), unless its mount is nosuid or the process has set
 * no_new_privs, as Linux's bprm_fill_uid. A script's own bits count for nothing: `prog` is the
 * interpreter then.
 */
function execIds(proc: LinuxThread['process'], prog: Program): { euid: number; egid: number } {
  const { mode, uid, gid } = prog.st;
  const honoured = !prog.nosuid && !proc.noNewPrivs;
  const setgid = (mode & (S_ISGID | S_IXGRP)) === (S_ISGID | S_IXGRP);
  return {
    euid: honoured && (mode & S_ISUID) !== 0 ? uid : proc.cred.euid,
    egid: honoured && setgid ? gid : proc.cred.egid,
  };
}

/** execve once the programs are read: check the arguments, then replace the process's image. */
function replaceImage(
  kernel: Kernel, thread: LinuxThread, regs: Registers, path: string, argv: string[], envp: string[],
  prog: Program, interp: Program | undefined,
): void {
  const proc = thread.process;
  // A new image needs an address space of its own, and the host process shares its host one.
  if (proc.vmar.sharers.many) throw new KernelError(Errno.ENOSYS, 'execve in a process that shares its memory (clone with CLONE_VM)');
  const mainImage = prog.loaded.image;
  const mainBias = mainImage.type === 'dyn' ? PIE_BASE : 0;
  const mainLayout = layoutElf(mainImage, mainBias);
  const random16 = new Uint8Array(16);
  fillRandom(random16);
  const { euid, egid } = execIds(proc, prog);
  const cred = proc.cred;
  const setid = euid !== cred.uid || egid !== cred.gid;
  // The capabilities the new program runs with (EPERM here, before the point of no return), and
  // Linux's secureexec: glibc then ignores LD_PRELOAD and the like.
  const caps = execCapabilities(cred, cred.uid, euid, setid, prog.fileCaps, proc.noNewPrivs);
  const initialStack = (base: number, vdso: number) =>
    buildInitialStack({
      stackTop: STACK_TOP,
      argv,
      envp,
      execfn: path,
      random16,
      platform: 'x86_64',
      auxv: standardAuxv({
        phdr: mainLayout.phdr,
        phnum: mainImage.phnum,
        entry: mainLayout.entry,
        base,
        vdso,
        uid: cred.uid,
        euid,
        gid: cred.gid,
        egid,
        secure: caps.secure,
      }),
    });
  try {
    initialStack(0, 0); // E2BIG must come before the point of no return
  } catch (err) {
    if (err instanceof ArgListTooLongError) throw new KernelError(Errno.E2BIG);
    throw err;
  }

  // The point of no return: the old image goes. Running out of memory past it kills the process.
  const vmar = proc.vmar;
  let initial: ReturnType<typeof initialStack>;
  let entry: number;
  try {
    vmar.unmapAll();
    proc.unshareFiles(); // as Linux's unshare_files: a table shared by CLONE_FILES is left to the others
    proc.fds.closeOnExec();
    proc.resetSignalHandlers();
    thread.altStack = null;
    mapElf(kernel, thread, prog, mainLayout);
    entry = mainLayout.entry;
    let base = 0;
    if (interp) {
      const interpImage = interp.loaded.image;
      const span = elfLoadSpan(interpImage);
      const size = span.end - span.start;
      base = interpImage.type === 'dyn' ? vmar.findFree(size) - span.start : 0;
      const interpLayout = layoutElf(interpImage, base);
      mapElf(kernel, thread, interp, interpLayout);
      entry = interpLayout.entry;
    }

    const vdso = kernel.vdso?.mapInto(vmar) ?? 0;
    initial = initialStack(base, vdso);
    const stackVmo = Vmo.create(kernel.allocator, STACK_SIZE, { account: kernel.memoryAccount, name: '[stack]' });
    stackVmo.write(STACK_SIZE - initial.bytes.length, initial.bytes);
    vmar.map({ vmo: stackVmo, len: STACK_SIZE, prot: PROT_READ | PROT_WRITE, addr: STACK_TOP - STACK_SIZE, fixed: true, name: '[stack]' });
    stackVmo.close();
    proc.brkStart = proc.brk = mainLayout.brk;
    proc.argv = argv;
    proc.envp = envp;
    proc.auxv = initial.auxv.slice();
    proc.exe = prog.path;
    if (euid !== cred.euid || egid !== cred.egid || euid !== cred.fsuid || egid !== cred.fsgid) proc.effectiveIdsChanged();
    // The saved and file system ids follow the effective ones at every execve, as Linux's.
    cred.euid = cred.suid = cred.fsuid = euid;
    cred.egid = cred.sgid = cred.fsgid = egid;
    proc.dumpable = setid ? 0 : 1; // fs.suid_dumpable's default
    proc.keepCaps = false;
    Object.assign(cred, caps.sets);
    for (const t of proc.posixTimers.values()) t.disarm(); // execve deletes them
    proc.posixTimers.clear();
    // comm: the basename of the path as given (Linux's bprm->filename), 15 bytes at most.
    thread.zx.name = path.slice(path.lastIndexOf('/') + 1).slice(0, 15);
    proc.releaseVfork();
  } catch (err) {
    kernel.killProcess(proc, Signo.SIGKILL);
    if (err instanceof ZxError && err.status === ZxStatus.ERR_NO_MEMORY) throw new KernelError(Errno.ENOMEM);
    throw err;
  }
  kernel.syncMemory(thread, regs);
  execDone(thread);

  // Registers as Linux leaves them at a new image's entry: all zero but rip, rsp and segments.
  const cs = regs[Reg.cs];
  const ss = regs[Reg.ss];
  regs.fill(0n);
  regs[Reg.rip] = BigInt(entry);
  regs[Reg.rsp] = BigInt(initial.sp);
  regs[Reg.cs] = cs;
  regs[Reg.ss] = ss;
  regs[Reg.eflags] = 0x202n;
}
