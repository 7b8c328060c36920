/**
 * Runs a program bundle with V8's code cache, so that a start does not parse and compile the
 * bundle's 800 KB again. Node 20 has no compile cache for modules, hence a CommonJS bundle compiled
 * here as a `vm.Script` with `cachedData`.
 *
 * A bundle's top level only defines (each module's body runs, nothing starts); a program's exports
 * `main`, which the launcher calls after the cache is written. The cache so holds the top level
 * and the module bodies (which V8 compiles lazily, on their one call, at every start otherwise: the
 * kernel's took ~5 ms of each `run`), not the functions a run compiles later on first call: with
 * those in it (a cache made at exit), V8 optimised the run loop's hot path in another order and
 * inlined less, and a trapped syscall cost ~5% more.
 *
 * The kernel is in the sandbox's bundle only. The CLI's loads it from there when it serves a
 * sandbox itself (`run`; src/launch/kernel.ts), so the verbs that only talk to a sandbox (start,
 * kill, state …) compile 220 KB at each start instead of 1.1 MB: `runrsc --version` took 100 ms
 * here with the kernel in the CLI's bundle and 70 ms without it (Node alone: 60 ms).
 *
 * The cache lives in `$RVISOR_CODE_CACHE` (`off` disables it), else `$XDG_CACHE_HOME/rvisor-ts`,
 * else `~/.cache/rvisor-ts`: a directory of the user's own (0700, files 0600), so no other user
 * can hand this process bytecode. A file is named by the bundle file's identity (inode, size,
 * modification and change times; a build writes a new file) and Node's version, not by a hash of
 * its content: node:crypto costs ~2.5 ms of every start to load. V8 itself rejects a cache made by
 * another V8 or with other flags. A missing or rejected cache is written right after the compile,
 * before the program runs.
 *
 * @module
 */
import { closeSync, fstatSync, mkdirSync, openSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { Script } from 'node:vm';

/** Where the cache files go, or undefined when caching is off (or there is no home to put it in). */
export function codeCacheDir(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const set = env['RVISOR_CODE_CACHE'];
  if (set === 'off') return undefined;
  if (set) return set;
  if (env['XDG_CACHE_HOME']) return join(env['XDG_CACHE_HOME'], 'rvisor-ts');
  try {
    return join(homedir(), '.cache', 'rvisor-ts');
  } catch {
    return undefined; // no HOME and no passwd entry: run without a cache
  }
}

/** Run the CommonJS bundle at `file` as the main program, through the code cache: its top level, then its `main`. */
export function runWithCodeCache(file: string): void {
  const { main } = requireWithCodeCache(file);
  if (typeof main !== 'function') throw new Error(`${file} exports no main function`);
  main();
}

/**
 * Load the CommonJS bundle at `file` through the code cache, as `require` would: its top level
 * runs, and the cache is written then if it was missing or V8 rejected it. Returns its exports.
 */
export function requireWithCodeCache(file: string): Record<string, unknown> {
  const { source, id } = readBundle(file);
  const dir = codeCacheDir();
  const prefix = `${basename(file)}-${placeOf(file)}-`;
  const cacheFile = dir && join(dir, `${prefix}${id}-node${process.version}.v8`);
  const cachedData = cacheFile && ownDirectory(dir) ? readIfPresent(cacheFile) : undefined;
  // CommonJS's own wrapper, so the bundle sees the usual exports, require, __filename, __dirname.
  const wrapped = `(function (exports, require, module, __filename, __dirname) { ${source}\n});`;
  const script = new Script(wrapped, { filename: file, cachedData });
  const module: { exports: Record<string, unknown> } = { exports: {} };
  const run = script.runInThisContext() as (...args: unknown[]) => void;
  run.call(module.exports, module.exports, createRequire(file), module, file, dirname(file));
  if (cacheFile && (cachedData === undefined || script.cachedDataRejected)) writeCache(cacheFile, prefix, script);
  return module.exports;
}

/**
 * The bundle's directory as a short name (FNV-1a): each install keeps its own cache, and a build
 * replaces only its own install's earlier ones. Without it, two installs of runrsc on one machine
 * (a global one and a project's, say) removed each other's cache at every start.
 */
function placeOf(file: string): string {
  let h = 0x811c9dc5;
  for (const c of dirname(file)) h = Math.imul(h ^ c.charCodeAt(0), 0x01000193) >>> 0;
  return h.toString(36);
}

/**
 * The bundle's text, and its identity as a name: read through one fd, so the two agree.
 *
 * Read as latin1, not UTF-8: esbuild writes every string, regular expression and identifier in
 * ASCII (its `charset: 'ascii'`, which the tsup configs name), so other bytes can only be in
 * comments, and decoding them as latin1 changes no code. V8 then holds a one-byte source, half
 * the size of the two-byte one a single "→" in a comment made of UTF-8, and scans it faster
 * whenever a function is compiled on first call. `runrsc --version` ~1.5 ms faster.
 */
function readBundle(file: string): { source: string; id: string } {
  const fd = openSync(file, 'r');
  try {
    const st = fstatSync(fd, { bigint: true });
    const id = [st.ino, st.size, st.mtimeNs, st.ctimeNs].map((n) => n.toString(36)).join('.');
    return { source: readFileSync(fd, 'latin1'), id };
  } finally {
    closeSync(fd);
  }
}

/** Whether `dir` is absent or a directory only this user may write to (nobody else's bytecode). */
function ownDirectory(dir: string): boolean {
  try {
    const st = statSync(dir);
    return st.isDirectory() && st.uid === process.getuid?.() && (st.mode & 0o022) === 0;
  } catch {
    return true; // made, 0700, when the cache is first written
  }
}

function readIfPresent(file: string): Buffer | undefined {
  try {
    return readFileSync(file);
  } catch {
    return undefined;
  }
}

/**
 * Write the cache atomically, and drop the caches of the bundle's earlier builds. A directory that
 * cannot be made or written, or is not the user's own, leaves it unwritten.
 */
function writeCache(file: string, prefix: string, script: Script): void {
  const dir = dirname(file);
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    if (!ownDirectory(dir)) return;
    writeFileSync(tmp, script.createCachedData(), { mode: 0o600 });
    renameSync(tmp, file);
    for (const name of readdirSync(dir)) {
      if (name.startsWith(prefix) && name.endsWith('.v8') && join(dir, name) !== file) rmSync(join(dir, name), { force: true });
    }
  } catch {
    // read-only home, full disk: the next run compiles from source, as this one did
    try {
      rmSync(tmp, { force: true });
    } catch {
      // a directory that would not take the file will not give it back either
    }
  }
}
