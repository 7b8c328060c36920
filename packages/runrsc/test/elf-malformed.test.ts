// Malformed executables: ELF files built byte by byte here (truncated, overlapping, oversized,
// with bogus interpreters, for the wrong machine) and `#!` scripts that loop or overflow. Each is
// run by programs/exec-probe.c in the sandbox and natively under chroot; the sandbox must answer as
// Linux does and never log an internal error. A shell sees the same: `./bad; echo $?`.
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IS_ROOT, runNatively, type RunResult } from './helpers.js';
import { CLI, ROOTFS } from './paths.js';

const SOURCE = fileURLToPath(new URL('./programs/exec-probe.c', import.meta.url));

const PT_LOAD = 1;
const PT_INTERP = 3;
const PF_X = 1;
const PF_W = 2;
const PF_R = 4;
const BASE = 0x400000;
const CODE_OFFSET = 0x100;
const FILE_SIZE = 0x200;
/** `mov edi, 42; mov eax, 60 (exit); syscall`: a well-formed image exits 42. */
const EXIT_42 = [0xbf, 0x2a, 0, 0, 0, 0xb8, 0x3c, 0, 0, 0, 0x0f, 0x05];

interface Phdr {
  type: number;
  flags: number;
  offset: number;
  vaddr: number;
  filesz: number;
  memsz: number;
  align?: number;
}

interface ElfSpec {
  phdrs: Phdr[];
  /** EI_CLASS (2 = ELF64). */
  elfClass?: number;
  /** e_machine (62 = x86-64). */
  machine?: number;
  /** e_phnum, if not the number of phdrs. */
  phnum?: number;
  /** Bytes placed in the file at an offset (PT_INTERP strings). */
  data?: { offset: number; bytes: Uint8Array };
}

/** The whole-file segment of a well-formed static executable. */
const TEXT: Phdr = { type: PT_LOAD, flags: PF_R | PF_X, offset: 0, vaddr: BASE, filesz: FILE_SIZE, memsz: FILE_SIZE };

/** An ELF64 x86-64 ET_EXEC: header, program headers at 64, the exit code at 0x100. */
function elf(spec: ElfSpec): Uint8Array {
  const bytes = new Uint8Array(FILE_SIZE);
  const view = new DataView(bytes.buffer);
  bytes.set([0x7f, 0x45, 0x4c, 0x46, spec.elfClass ?? 2, 1, 1]);
  view.setUint16(16, 2, true); // ET_EXEC
  view.setUint16(18, spec.machine ?? 62, true);
  view.setUint32(20, 1, true);
  view.setBigUint64(24, BigInt(BASE + CODE_OFFSET), true);
  view.setBigUint64(32, 64n, true);
  view.setUint16(52, 64, true);
  view.setUint16(54, 56, true);
  view.setUint16(56, spec.phnum ?? spec.phdrs.length, true);
  spec.phdrs.forEach((ph, i) => {
    const at = 64 + i * 56;
    view.setUint32(at, ph.type, true);
    view.setUint32(at + 4, ph.flags, true);
    view.setBigUint64(at + 8, BigInt(ph.offset), true);
    view.setBigUint64(at + 16, BigInt(ph.vaddr), true);
    view.setBigUint64(at + 24, BigInt(ph.vaddr), true);
    view.setBigUint64(at + 32, BigInt(ph.filesz), true);
    view.setBigUint64(at + 40, BigInt(ph.memsz), true);
    view.setBigUint64(at + 48, BigInt(ph.align ?? 0x1000), true);
  });
  bytes.set(EXIT_42, CODE_OFFSET);
  if (spec.data) bytes.set(spec.data.bytes, spec.data.offset);
  return bytes;
}

/** A PT_INTERP naming `text` (NUL-terminated unless `nul` is false), stored at 0x180. */
function withInterp(text: string, nul = true): ElfSpec {
  const bytes = new TextEncoder().encode(nul ? `${text}\0` : text);
  return {
    phdrs: [{ type: PT_INTERP, flags: PF_R, offset: 0x180, vaddr: BASE + 0x180, filesz: bytes.length, memsz: bytes.length }, TEXT],
    data: { offset: 0x180, bytes },
  };
}

const good = elf({ phdrs: [TEXT] });

/** Every malformed file, by name: what it is. */
const FILES: Record<string, Uint8Array | string> = {
  good,
  'empty': new Uint8Array(0),
  'truncated-header': good.subarray(0, 40),
  'truncated-phdrs': good.subarray(0, 64 + 20),
  'zero-phnum': elf({ phdrs: [TEXT], phnum: 0 }),
  'elf32-class': elf({ phdrs: [TEXT], elfClass: 1 }),
  'aarch64-machine': elf({ phdrs: [TEXT], machine: 183 }),
  'overlapping-loads': elf({
    phdrs: [TEXT, { type: PT_LOAD, flags: PF_R | PF_X, offset: 0x100, vaddr: BASE + 0x100, filesz: 0x100, memsz: 0x100 }],
  }),
  'filesz-over-memsz': elf({ phdrs: [{ ...TEXT, memsz: 0x100 }] }),
  'memsz-2GiB': elf({
    phdrs: [TEXT, { type: PT_LOAD, flags: PF_R | PF_W, offset: 0, vaddr: 0x600000, filesz: 0, memsz: 2 ** 31 }],
  }),
  'memsz-1TiB': elf({
    phdrs: [TEXT, { type: PT_LOAD, flags: PF_R | PF_W, offset: 0, vaddr: 0x600000, filesz: 0, memsz: 2 ** 40 }],
  }),
  'offset-beyond-eof': elf({
    phdrs: [TEXT, { type: PT_LOAD, flags: PF_R, offset: 0x100000, vaddr: 0x800000, filesz: 0x1000, memsz: 0x1000 }],
  }),
  'interp-missing': elf(withInterp('/nonexistent/ld.so')),
  'interp-not-nul-terminated': elf(withInterp('/bin/busybox', false)),
  'interp-self': elf(withInterp('/bad/interp-self')),
  'interp-directory': elf(withInterp('/tmp')),
  'shebang-loop': '#!/bad/shebang-loop\n',
  'shebang-long': `#!/${'a'.repeat(300)}\n`,
  'shebang-chain-4': '#!/bad/shebang-chain-3\n',
  'shebang-chain-3': '#!/bad/shebang-chain-2\n',
  'shebang-chain-2': '#!/bad/shebang-chain-1\n',
  'shebang-chain-1': '#!/bad/good\n',
  'shebang-chain-5': '#!/bad/shebang-chain-4\n',
  'shebang-chain-6': '#!/bad/shebang-chain-5\n',
};

let rootfs: string;

beforeAll(() => {
  rootfs = mkdtempSync(join(tmpdir(), 'rvisor-elf-'));
  cpSync(ROOTFS, rootfs, { recursive: true, verbatimSymlinks: true });
  mkdirSync(join(rootfs, 'bad'));
  for (const [name, content] of Object.entries(FILES)) {
    writeFileSync(join(rootfs, 'bad', name), content);
    chmodSync(join(rootfs, 'bad', name), 0o755);
  }
  execFileSync('gcc', ['-static', '-O2', '-o', join(rootfs, 'exec-probe'), SOURCE]);
});

afterAll(() => rmSync(rootfs, { recursive: true, force: true }));

/** How Linux (and so the sandbox) answers each file that both treat alike. */
const AS_LINUX: Record<string, string> = {
  'good': 'exit 42',
  'empty': 'execve -1 ENOEXEC',
  'truncated-header': 'execve -1 ENOEXEC',
  'truncated-phdrs': 'execve -1 ENOEXEC',
  'zero-phnum': 'execve -1 ENOEXEC',
  // Linux's ELF64 loader checks e_machine, not EI_CLASS: this file runs.
  'elf32-class': 'exit 42',
  'aarch64-machine': 'execve -1 ENOEXEC',
  // A later segment is mapped over an earlier one.
  'overlapping-loads': 'exit 42',
  'interp-missing': 'execve -1 ENOENT',
  'interp-not-nul-terminated': 'execve -1 ENOEXEC',
  // An interpreter's own PT_INTERP is ignored: the file is loaded twice at the same address.
  'interp-self': 'exit 42',
  'interp-directory': 'execve -1 EACCES',
  'shebang-loop': 'execve -1 ELOOP',
  'shebang-chain-4': 'exit 42',
  'shebang-chain-6': 'execve -1 ELOOP',
};

/**
 * Files Linux accepts at first and fails only past execve's point of no return (killing the
 * process with SIGSEGV), or maps without reading (a segment beyond the end of the file faults with
 * SIGBUS only when touched). The sandbox refuses them while the caller can still hear why.
 */
const REFUSED_EARLIER: Record<string, { linux: string; sandbox: string }> = {
  'filesz-over-memsz': { linux: 'signal 11', sandbox: 'execve -1 ENOEXEC' },
  'memsz-1TiB': { linux: 'signal 11', sandbox: 'execve -1 ENOEXEC' },
  'offset-beyond-eof': { linux: 'exit 42', sandbox: 'execve -1 ENOEXEC' },
};

/** Runs `runrsc --debug run` (kernel messages on stderr) with the given options. */
function runDebug(command: string[], runOptions: string[] = []): RunResult {
  const r = spawnSync(process.execPath, [CLI, '--debug', 'run', '--rootfs', rootfs, ...runOptions, '--', ...command], {
    encoding: 'utf8',
    input: '',
    timeout: 45_000,
    killSignal: 'SIGKILL',
  });
  return { status: r.status ?? -1, stdout: String(r.stdout), stderr: String(r.stderr) };
}

/** exec-probe's report, one entry per file: name → outcome. */
function outcomes(stdout: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of stdout.split('\n')) {
    const m = /^(?:\/bad\/)?([^:]+(?::\/bad\/[^:]+)?): (.*)$/.exec(line);
    if (m) out[m[1]!] = m[2]!;
  }
  return out;
}

function probe(names: string[], run: (command: string[]) => RunResult): { result: RunResult; got: Record<string, string> } {
  const result = run(['/exec-probe', ...names.map((name) => (name.includes(':') ? name : `/bad/${name}`))]);
  return { result, got: outcomes(result.stdout) };
}

function expectNoInternalError(r: RunResult): void {
  expect(r.stderr.split('\n').filter((line) => /internal/i.test(line))).toEqual([]);
}

describe.skipIf(!IS_ROOT)('malformed executables', () => {
  it('are answered as Linux answers them, with no internal error', () => {
    const names = Object.keys(AS_LINUX);
    const sandboxed = probe(names, (command) => runDebug(command));
    const native = probe(names, (command) => runNatively(command, { rootfs }));
    expect(native.got).toEqual(AS_LINUX);
    expect(sandboxed.got).toEqual(AS_LINUX);
    expect(sandboxed.result.status).toBe(0);
    expectNoInternalError(sandboxed.result);
  });

  it('refuse with ENOEXEC, before the point of no return, what Linux kills the process for', () => {
    const names = Object.keys(REFUSED_EARLIER);
    const sandboxed = probe(names, (command) => runDebug(command));
    const native = probe(names, (command) => runNatively(command, { rootfs }));
    for (const [name, { linux, sandbox }] of Object.entries(REFUSED_EARLIER)) {
      expect(native.got[name], `${name} natively`).toBe(linux);
      expect(sandboxed.got[name], `${name} in the sandbox`).toBe(sandbox);
    }
    expectNoInternalError(sandboxed.result);
  });

  it('answers E2BIG to 4 MiB of arguments, as Linux', () => {
    const sandboxed = probe(['big-args:/bad/good'], (command) => runDebug(command));
    const native = probe(['big-args:/bad/good'], (command) => runNatively(command, { rootfs }));
    expect(native.got).toEqual({ 'big-args:/bad/good': 'execve -1 E2BIG' });
    expect(sandboxed.got).toEqual(native.got);
    expectNoInternalError(sandboxed.result);
  });

  it('a bss past --memory kills only that process (ENOMEM past the point of no return)', () => {
    const r = runDebug(['/bin/sh', '-c', '/exec-probe /bad/memsz-2GiB; /bad/good; echo "then $?"'], ['--memory', '64M']);
    expect(r.stdout).toBe('/bad/memsz-2GiB: signal 9\nthen 42\n');
    expect(r.status).toBe(0);
    expectNoInternalError(r);
  });

  it('a shell reports them as it does on Linux', () => {
    // ENOEXEC is left out: busybox sh then runs the file as a script through /proc/self/exe, which
    // the native chroot (no /proc) lacks and the sandbox has.
    const script = ['good', 'interp-missing', 'interp-directory', 'shebang-loop']
      .map((name) => `./${name}; echo "${name} $?"`)
      .join('; ');
    const sandboxed = runDebug(['/bin/sh', '-c', `cd /bad; ${script}`]);
    const native = runNatively(['/bin/sh', '-c', `cd /bad; ${script}`], { rootfs });
    expect(sandboxed.stdout).toBe(native.stdout);
    expect(sandboxed.stdout).toContain('good 42\n');
    expect(sandboxed.stdout).toContain('interp-directory 126\n');
    for (const line of native.stderr.trim().split('\n')) expect(sandboxed.stderr).toContain(line);
    expectNoInternalError(sandboxed);
  });

  // Linux (fs/binfmt_script.c) refuses a `#!` line whose interpreter name does not end within
  // the 256 bytes it reads with ENOEXEC.
  it('an over-long #! line: ENOEXEC, as Linux', () => {
    const sandboxed = probe(['shebang-long'], (command) => runDebug(command));
    const native = probe(['shebang-long'], (command) => runNatively(command, { rootfs }));
    expect(native.got).toEqual({ 'shebang-long': 'execve -1 ENOEXEC' });
    expect(sandboxed.got).toEqual(native.got);
  });

  // Linux follows five levels of interpreters (exec_binprm: depth > 5 is ELOOP).
  it('a chain of five #! scripts runs, as on Linux', () => {
    const sandboxed = probe(['shebang-chain-5'], (command) => runDebug(command));
    const native = probe(['shebang-chain-5'], (command) => runNatively(command, { rootfs }));
    expect(native.got).toEqual({ 'shebang-chain-5': 'exit 42' });
    expect(sandboxed.got).toEqual(native.got);
  });
});
