/**
 * execve: the kernel's own loader. The host's execve never sees a guest path: the kernel reads the
 * ELF through its VFS, builds VMOs for the segments and the stack, maps them into the guest's host
 * process, and points the registers at the entry.
 *
 * @module
 */
import { randomFillSync } from 'node:crypto';
import { Reg, Vmo, type Registers } from '@rvisor/zircon-object';
import { buildInitialStack } from '../elf/stack.js';
import { ArgListTooLongError, ElfError } from '../elf/error.js';
import { elfHeaderSpan, parseElf, type ElfImage } from '../elf/parse.js';
import { elfLoadSpan, layoutElf, type ElfLayout } from '../elf/layout.js';
import { standardAuxv } from '../elf/auxv.js';
import { Errno, KernelError } from '../errno.js';
import type { OpenFile } from '../fs/open-file.js';
import { O_RDONLY, S_IFMT, S_IFREG } from '../abi/index.js';
import type { Kernel } from './kernel.js';
import { PIE_BASE, STACK_SIZE, STACK_TOP } from './layout.js';
import type { LinuxThread } from './process.js';

const MAX_SHEBANG_DEPTH = 4;
const SHEBANG_MAX = 256;

/** A program opened and checked, ready to be loaded. */
interface Program {
  file: OpenFile;
  path: string;
  image: ElfImage;
}

/** Read exactly `len` bytes at `offset` (fewer only at end of file). */
function readAt(file: OpenFile, len: number, offset: number): Uint8Array {
  const buf = new Uint8Array(len);
  let done = 0;
  while (done < len) {
    const n = file.pread(buf.subarray(done), offset + done);
    if (typeof n !== 'number') throw new KernelError(Errno.EIO, 'executable read blocked');
    if (n <= 0) break;
    done += n;
  }
  return buf.subarray(0, done);
}

function openExecutable(thread: LinuxThread, path: string): OpenFile {
  const file = thread.process.fs.open(path, O_RDONLY, 0);
  const mode = file.stat().mode;
  // Linux: a directory or any non-regular file, or no execute bit, is EACCES.
  if ((mode & S_IFMT) !== S_IFREG || (mode & 0o111) === 0) {
    file.close();
    throw new KernelError(Errno.EACCES);
  }
  return file;
}

function readImage(file: OpenFile): ElfImage {
  const size = file.stat().size;
  let bytes = readAt(file, Math.min(4096, size), 0);
  for (;;) {
    const need = elfHeaderSpan(bytes);
    if (need <= bytes.length) break;
    if (need > size || need > 1 << 20) throw new KernelError(Errno.ENOEXEC, 'ELF headers beyond the file');
    bytes = readAt(file, need, 0);
  }
  return parseElf(bytes, size);
}

/** Parse "#!interp [arg]" from the start of a script, as Linux's binfmt_script. */
function parseShebang(head: Uint8Array): { interp: string; arg?: string } | null {
  if (head.length < 2 || head[0] !== 0x23 || head[1] !== 0x21) return null;
  let end = head.indexOf(0x0a);
  if (end < 0) end = head.length;
  const line = new TextDecoder().decode(head.subarray(2, end)).replace(/[ \t]+$/, '').replace(/^[ \t]+/, '');
  if (line === '') throw new KernelError(Errno.ENOEXEC);
  const m = /^(\S+)(?:[ \t]+(.*))?$/.exec(line);
  if (!m) throw new KernelError(Errno.ENOEXEC);
  return m[2] ? { interp: m[1], arg: m[2] } : { interp: m[1] };
}

/** Open `path` and follow shebang lines to the ELF that will run, rewriting argv as Linux does. */
function resolveProgram(kernel: Kernel, thread: LinuxThread, path: string, argv: string[]): Program {
  for (let depth = 0; ; depth++) {
    const file = openExecutable(thread, path);
    const head = readAt(file, SHEBANG_MAX, 0);
    const shebang = parseShebang(head);
    if (!shebang) {
      try {
        return { file, path, image: readImage(file) };
      } catch (err) {
        file.close();
        if (err instanceof ElfError) throw new KernelError(Errno.ENOEXEC, err.reason);
        throw err;
      }
    }
    file.close();
    if (depth >= MAX_SHEBANG_DEPTH) throw new KernelError(Errno.ELOOP);
    // argv becomes [interp, arg?, script path, original argv[1..]].
    argv.splice(0, 1, ...[shebang.interp, ...(shebang.arg ? [shebang.arg] : []), path]);
    path = shebang.interp;
  }
}

/** Map an ELF's segments into the process, reading file bytes straight into the new VMOs. */
function mapElf(kernel: Kernel, thread: LinuxThread, prog: Program, layout: ElfLayout): void {
  const vmar = thread.process.vmar;
  for (const m of layout.mappings) {
    const vmo = Vmo.create(kernel.allocator, m.end - m.start, { account: kernel.memoryAccount, name: prog.path });
    let copied = 0;
    for (const seg of vmo.segments(0, Math.min(m.fileBytes, m.end - m.start))) {
      let off = 0;
      while (off < seg.length) {
        const n = prog.file.pread(seg.subarray(off), m.fileOffset + copied + off);
        if (typeof n !== 'number' || n <= 0) break;
        off += n;
      }
      copied += seg.length;
    }
    // Bytes past the segment's file data in its last file page belong to other sections: zero them.
    const zeroFrom = m.zeroFrom - m.start;
    if (zeroFrom < m.fileBytes) vmo.zero(zeroFrom, Math.min(m.fileBytes, m.end - m.start) - zeroFrom);
    vmar.map({ vmo, len: m.end - m.start, prot: m.prot, addr: m.start, fixed: true, name: prog.path });
    vmo.close();
  }
}

/**
 * Implements the loading half of Linux's execve(2) for `thread`, stopped in a syscall with
 * registers `regs`. Errors before the point of no return leave the process untouched.
 */
export function execve(kernel: Kernel, thread: LinuxThread, regs: Registers, path: string, argv: string[], envp: string[]): void {
  argv = [...argv];
  const prog = resolveProgram(kernel, thread, path, argv);
  let interp: Program | undefined;
  try {
    if (prog.image.interp !== undefined) interp = resolveProgram(kernel, thread, prog.image.interp, []);
  } catch (err) {
    prog.file.close();
    throw err;
  }
  const proc = thread.process;
  const mainBias = prog.image.type === 'dyn' ? PIE_BASE : 0;
  const mainLayout = layoutElf(prog.image, mainBias);
  const random16 = new Uint8Array(16);
  randomFillSync(random16);
  const initialStack = (base: number) =>
    buildInitialStack({
      stackTop: STACK_TOP,
      argv,
      envp,
      execfn: path,
      random16,
      platform: 'x86_64',
      auxv: standardAuxv({
        phdr: mainLayout.phdr,
        phnum: prog.image.phnum,
        entry: mainLayout.entry,
        base,
        uid: proc.cred.uid,
        euid: proc.cred.euid,
        gid: proc.cred.gid,
        egid: proc.cred.egid,
      }),
    });
  try {
    initialStack(0); // E2BIG must come before the point of no return
  } catch (err) {
    prog.file.close();
    interp?.file.close();
    if (err instanceof ArgListTooLongError) throw new KernelError(Errno.E2BIG);
    throw err;
  }

  // The point of no return: the old image goes.
  const vmar = proc.vmar;
  vmar.unmapAll();
  proc.fds.closeOnExec();
  proc.sigactions.clear();
  mapElf(kernel, thread, prog, mainLayout);
  let entry = mainLayout.entry;
  let base = 0;
  if (interp) {
    const span = elfLoadSpan(interp.image);
    const size = span.end - span.start;
    base = interp.image.type === 'dyn' ? vmar.findFree(size) - span.start : 0;
    const interpLayout = layoutElf(interp.image, base);
    mapElf(kernel, thread, interp, interpLayout);
    entry = interpLayout.entry;
    interp.file.close();
  }
  prog.file.close();

  const initial = initialStack(base);
  const stackVmo = Vmo.create(kernel.allocator, STACK_SIZE, { account: kernel.memoryAccount, name: '[stack]' });
  stackVmo.write(STACK_SIZE - initial.bytes.length, initial.bytes);
  vmar.map({ vmo: stackVmo, len: STACK_SIZE, prot: 3, addr: STACK_TOP - STACK_SIZE, fixed: true, name: '[stack]' });
  stackVmo.close();
  proc.brkStart = proc.brk = mainLayout.brk;
  proc.argv = argv;
  proc.envp = envp;
  proc.exe = path;

  kernel.syncMemory(thread, regs);

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
