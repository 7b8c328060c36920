import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { codeCacheDir } from '../src/launch/code-cache.js';
import { CLI, ROOTFS } from './paths.js';

// The launchers run the CLI's and the sandbox's bundles through V8's code cache
// (src/launch/code-cache.ts): written by the first run, read by the next ones, never trusted from
// a directory others may write to.
let base: string;
let dir: string;

beforeEach(() => {
  base = mkdtempSync(join(tmpdir(), 'rvisor-cc-test-'));
  dir = join(base, 'cache');
});
afterEach(() => rmSync(base, { recursive: true, force: true }));

function version(env: Record<string, string> = { RVISOR_CODE_CACHE: dir }) {
  const r = spawnSync(process.execPath, [CLI, '--version'], { encoding: 'utf8', env: { ...process.env, ...env } });
  expect(r.stderr).toBe('');
  expect(r.stdout).toMatch(/^runrsc version /);
  return r;
}

const caches = () => readdirSync(dir).filter((f) => f.endsWith('.v8'));

describe('code cache', () => {
  it('is written by the first run, in a directory of the user\'s own, and read by the next', () => {
    version();
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    const [file] = caches();
    expect(file).toMatch(/^cli\.cjs-[0-9a-z]+-[0-9a-z]+\.[0-9a-z]+\.[0-9a-z]+\.[0-9a-z]+-nodev\d+\.\d+\.\d+\.v8$/);
    const written = statSync(join(dir, file!));
    expect(written.mode & 0o777).toBe(0o600);
    version();
    expect(statSync(join(dir, file!)).mtimeMs).toBe(written.mtimeMs); // accepted, so not rewritten
  });

  it('replaces a cache V8 rejects, and those of earlier builds of the same install, not of others', () => {
    version();
    const [file] = caches();
    const place = file!.split('-')[1];
    writeFileSync(join(dir, file!), 'not bytecode', { mode: 0o600 });
    writeFileSync(join(dir, `cli.cjs-${place}-1.2.3.4-nodev20.0.0.v8`), 'an earlier build', { mode: 0o600 });
    writeFileSync(join(dir, 'cli.cjs-elsewhere-1.2.3.4-nodev20.0.0.v8'), 'another install', { mode: 0o600 });
    version();
    expect(caches().sort()).toEqual(['cli.cjs-elsewhere-1.2.3.4-nodev20.0.0.v8', file].sort());
    expect(statSync(join(dir, file!)).size).toBeGreaterThan(1000);
  });

  it('runs the container the same when it writes the caches (the CLI\'s, the kernel\'s) and when it reads them', () => {
    for (let i = 0; i < 2; i++) {
      const r = spawnSync(process.execPath, [CLI, 'run', '--rootfs', ROOTFS, '--', '/bin/sh', '-c', 'echo hi; exit 3'], {
        encoding: 'utf8',
        env: { ...process.env, RVISOR_CODE_CACHE: dir },
      });
      expect({ out: r.stdout, err: r.stderr, status: r.status }).toEqual({ out: 'hi\n', err: '', status: 3 });
      expect(caches().map((f) => f.split('-')[0]).sort()).toEqual(['cli.cjs', 'sandbox.cjs']);
    }
  });

  it('compiles no kernel for a verb that only talks to a sandbox: the CLI\'s bundle loads it from the sandbox\'s', () => {
    const bundle = (name: string) => readFileSync(join(dirname(CLI), name), 'latin1');
    expect(bundle('cli.cjs')).not.toContain('KernelRunner');
    expect(bundle('sandbox.cjs')).toContain('KernelRunner');
    version();
    expect(caches().map((f) => f.split('-')[0])).toEqual(['cli.cjs']);
  });

  it('neither reads nor writes a directory others may write to', () => {
    mkdirSync(dir);
    chmodSync(dir, 0o777);
    version();
    expect(caches()).toEqual([]);
  });

  it('is off with RVISOR_CODE_CACHE=off', () => {
    version({ RVISOR_CODE_CACHE: 'off', XDG_CACHE_HOME: base });
    expect(readdirSync(base)).toEqual([]);
  });

  it('lives in $RVISOR_CODE_CACHE, else $XDG_CACHE_HOME/rvisor-ts, else ~/.cache/rvisor-ts', () => {
    expect(codeCacheDir({ RVISOR_CODE_CACHE: '/c', XDG_CACHE_HOME: '/x' })).toBe('/c');
    expect(codeCacheDir({ XDG_CACHE_HOME: '/x' })).toBe('/x/rvisor-ts');
    expect(codeCacheDir({})).toMatch(/\/\.cache\/rvisor-ts$/);
    expect(codeCacheDir({ RVISOR_CODE_CACHE: 'off' })).toBeUndefined();
  });
});
