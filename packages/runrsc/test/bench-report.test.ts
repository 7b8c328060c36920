import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from './paths.js';

// `pnpm bench` is not a test, but its report's judgement of issue 7's targets is logic worth
// checking, and the runner must at least load.
// @ts-expect-error: a plain ES module without types
const { targetLines } = (await import('../../../bench/lib/targets.mjs')) as {
  targetLines(run: { table: unknown[]; startup?: { key: string; ns?: number }[] }): string[];
};

const row = (key: string, title: string, medians: Record<string, number>) => ({ w: { key, title }, medians });

describe('the bench report', () => {
  it('loads: `node bench/run.mjs --help` prints its usage', () => {
    const r = spawnSync(process.execPath, [join(REPO_ROOT, 'bench/run.mjs'), '--help'], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/^usage: node bench\/run\.mjs/);
  });

  it('checks each target against the medians, with the gap and the reason where one is missed', () => {
    const lines = targetLines({
      table: [
        row('getppid', 'getppid round trip', { native: 100, floor: 8000, runrsc: 5000, proot: 14000 }),
        row('clock', 'clock_gettime', { native: 21, floor: 21, runrsc: 20.9, proot: 20.8 }),
        row('write-disk', 'Writing disk: 4 KiB writes + fsync (64 MiB)', { native: 100, floor: 250, runrsc: 260, proot: 400 }),
        row('mkdir', 'Mkdir/Rmdir pair', { native: 100, floor: 110, runrsc: 125, proot: 150 }),
        row('fork', 'fork + _exit + waitpid', { native: 70, runrsc: 450, proot: 150 }),
      ],
      startup: [
        { key: 'runc', ns: 30e6 }, { key: 'runrsc-rootfs', ns: 45e6 }, { key: 'node', ns: 19e6 },
        { key: 'runrsc-create-start', ns: 120e6 }, { key: 'runc-create-start', ns: 30e6 },
      ],
    });
    const table = lines.filter((l) => l.startsWith('| ') && !l.startsWith('| target'));
    expect(table).toEqual([
      '| kernel ≤ 1.2× the bare C tracer on syscall-bound rows | getppid 0.63×, write-disk 1.04×, mkdir 1.14× | met |',
      '| Writing disk ≤ 1.5× native | 2.60×; the bare tracer alone: 2.50× | 73% over |',
      '| Mkdir/Rmdir pair ≤ 1.3× native | 1.25×; the bare tracer alone: 1.10× | met |',
      '| faster than proot on every shared row | faster on 3 of 5, level (within 2%) on clock | slower on fork (3.00× proot) |',
      '| start-up ≤ runc\'s | run --rootfs 45.0 ms (1.50× runc), create + start 120 ms (4.00× runc) | missed: up to 4.00× runc\'s |',
    ]);
    const why = lines.filter((l) => l.startsWith('- **'));
    expect(why.map((l) => l.slice(0, l.indexOf('**:') + 3))).toEqual([
      '- **Writing disk ≤ 1.5× native**:',
      '- **faster than proot on every shared row**:',
      '- **start-up ≤ runc\'s**:',
    ]);
    expect(why[0]).toContain('the bare tracer alone is above the target');
    expect(why[2]).toContain('`node -e 0`, 19.0 ms');
  });

  it('checks the rows a fresh sandbox runs cold again in a warm sandbox, against proot', () => {
    const lines = targetLines({
      table: [
        row('fork', 'fork + _exit + waitpid', { native: 80, runrsc: 470, 'runrsc-warm': 250, proot: 170 }),
        row('thread', 'pthread_create + pthread_join', { native: 19, runrsc: 260, 'runrsc-warm': 140, proot: 180 }),
        row('getppid', 'getppid round trip', { native: 100, runrsc: 5000, proot: 14000 }),
      ],
    });
    expect(lines).toContain('| the same, for the rows a fresh sandbox runs cold, in a warm sandbox | fork 1.47× proot, thread 0.78× proot | slower on fork |');
    const why = lines.find((l) => l.startsWith('- **the same'));
    expect(why).toContain('fork: proot lets fork run on the host');
    expect(why).not.toContain('thread');
  });

  it('has nothing to say without the rows a target needs', () => {
    expect(targetLines({ table: [], startup: undefined })).toEqual([]);
  });
});
