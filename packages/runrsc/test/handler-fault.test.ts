// A kernel bug in one syscall handler must fail only that syscall: the guest gets EFAULT, the
// kernel logs the error, and the guest (and the kernel) go on.
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { syscallTable } from '@rvisor/linux-syscall';
import { runContainer } from '@rvisor/runrsc';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IS_ROOT } from './helpers.js';
import { ROOTFS } from './paths.js';

const SYS_getppid = 110;

const PROGRAM = String.raw`
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
int main(void) {
  long r = syscall(SYS_getppid);
  printf("getppid: %ld %s\n", r, r < 0 ? strerror(errno) : "ok");
  printf("getpid still answers: %s\n", getpid() > 0 ? "yes" : "no");
  return 0;
}
`;

let rootfs: string;

beforeAll(() => {
  rootfs = mkdtempSync(join(tmpdir(), 'rvisor-fault-'));
  cpSync(ROOTFS, rootfs, { recursive: true, verbatimSymlinks: true });
  writeFileSync(join(rootfs, 'tmp', 'fault.c'), PROGRAM);
  execFileSync('gcc', ['-static', '-O2', '-o', join(rootfs, 'tmp', 'fault'), join(rootfs, 'tmp', 'fault.c')]);
});

afterAll(() => rmSync(rootfs, { recursive: true, force: true }));

describe.skipIf(!IS_ROOT)('a handler that throws', () => {
  it('fails only its syscall with EFAULT and is logged', async () => {
    type Entry = typeof syscallTable extends ReadonlyMap<number, infer E> ? E : never;
    const table = syscallTable as Map<number, Entry>;
    const original = table.get(SYS_getppid)!;
    table.set(SYS_getppid, { ...original, handler: () => { throw new Error('boom in getppid'); } });
    const log: string[] = [];
    const out = join(rootfs, 'tmp', 'out');
    const fd = openSync(out, 'w');
    try {
      const result = await runContainer({ rootfs, args: ['/tmp/fault'], stdio: [fd, fd, fd], log: (m) => log.push(m) });
      expect(result.status).toBe(0);
    } finally {
      table.set(SYS_getppid, original);
    }
    expect(readFileSync(out, 'utf8')).toBe('getppid: -1 Bad address\ngetpid still answers: yes\n');
    expect(log.some((m) => m.includes('internal error') && m.includes('boom in getppid'))).toBe(true);
  });
});
