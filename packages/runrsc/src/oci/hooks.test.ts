import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ContainerState } from '../api/types.js';
import { HookError, runHooks } from './hooks.js';

const state: ContainerState = {
  ociVersion: '1.0.2',
  id: 'c1',
  status: 'created',
  pid: 1234,
  bundle: '/b',
  rootfs: '/b/rootfs',
  created: '2026-01-01T00:00:00Z',
  annotations: { a: 'b' },
  owner: '',
  sandbox: 'c1',
};

let dir: string;

/** A shell script hook in the temp directory. */
function script(name: string, body: string): string {
  const path = join(dir, name);
  writeFileSync(path, `#!/bin/sh\n${body}\n`);
  chmodSync(path, 0o755);
  return path;
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'rvisor-hooks-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('runHooks', () => {
  it('gives each hook the state JSON on stdin, its args and only its env, in order', async () => {
    const out = join(dir, 'out');
    // argv[0] as the shell itself sees it: its /proc cmdline.
    const first = `tr '\\0' ' ' < /proc/$$/cmdline >> ${out}; echo "$GREETING $HOME" >> ${out}; cat >> ${out}; echo >> ${out}`;
    const second = script('second', `echo second >> ${out}`);
    await runHooks('createRuntime', [{ path: '/bin/sh', args: ['hook-name', '-c', first], env: ['GREETING=hi'] }, { path: second }], state);
    const [line1, json, line3] = readFileSync(out, 'utf8').split('\n');
    expect(line1).toBe(`hook-name -c ${first} hi `);
    expect(JSON.parse(json)).toEqual(state);
    expect(line3).toBe('second');
  });

  it('fails on a non-zero exit, naming the phase and the path, and runs no later hook', async () => {
    const bad = script('bad', 'echo broken >&2; exit 3');
    const marker = join(dir, 'after-ran');
    const after = script('after', `touch ${marker}`);
    const run = runHooks('createContainer', [{ path: bad }, { path: after }], state);
    await expect(run).rejects.toThrow(HookError);
    await expect(runHooks('createContainer', [{ path: bad }], state)).rejects.toThrow(`createContainer hook ${bad} exited with status 3: broken`);
    expect(() => readFileSync(marker)).toThrow();
  });

  it('kills a hook that outlives its timeout', async () => {
    const slow = script('slow', 'exec sleep 30');
    await expect(runHooks('startContainer', [{ path: slow, timeout: 0.2 }], state)).rejects.toThrow(`startContainer hook ${slow} timed out after 0.2s`);
  });

  it('reports a hook that cannot run, and a relative path', async () => {
    await expect(runHooks('prestart', [{ path: join(dir, 'missing') }], state)).rejects.toThrow(/prestart hook .*missing: cannot run it: ENOENT/);
    await expect(runHooks('prestart', [{ path: 'relative' }], state)).rejects.toThrow('prestart hook relative: the path must be absolute');
  });

  it('only warns for poststart and poststop failures when warnOnly, and goes on', async () => {
    const bad = script('bad2', 'exit 1');
    const marker = join(dir, 'went-on');
    const after = script('after2', `touch ${marker}`);
    const warnings: string[] = [];
    await runHooks('poststop', [{ path: bad }, { path: after }], state, { warnOnly: true, warn: (m) => warnings.push(m) });
    expect(warnings).toEqual([`poststop hook ${bad} exited with status 1`]);
    expect(readFileSync(marker, 'utf8')).toBe('');
  });

  it('does nothing without hooks', async () => {
    await runHooks('poststart', undefined, state);
  });
});
