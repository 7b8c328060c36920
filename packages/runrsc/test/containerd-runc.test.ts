// containerd's runc shim (io.containerd.runc.v2) as a client of the OCI runtime, driven by ctr:
// the shim runs the runtime's create, start, state, exec, ps, kill and delete verbs. The runtime
// is runrsc unless RVISOR_ENGINE_RUNTIME names another one (RVISOR_ENGINE_RUNTIME=/usr/sbin/runc
// checks the tests themselves).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ContainerdHarness } from './engines/containerd.js';
import { TEST_IMAGE } from './engines/image.js';
import { engineRuntime, runtimeSkipReason } from './engines/runtime.js';
import { ROOTFS } from './paths.js';

const skipReason = ContainerdHarness.skipReason() ?? runtimeSkipReason();

describe.skipIf(skipReason !== undefined)(
  `containerd's runc shim with the engine runtime${skipReason ? ` (skipped: ${skipReason})` : ''}`,
  () => {
    let wrapperDir: string;
    let containerd: ContainerdHarness;

    beforeAll(async () => {
      wrapperDir = mkdtempSync(join(tmpdir(), 'rvisor-runtime-'));
      containerd = await ContainerdHarness.start(engineRuntime(wrapperDir).path, ROOTFS);
    });

    afterAll(async () => {
      await containerd?.stop();
      if (wrapperDir) rmSync(wrapperDir, { recursive: true, force: true });
    });

    /** `ctr run [flags] IMAGE id ...command` with the engine runtime. */
    function ctrRun(flags: readonly string[], id: string, command: readonly string[]) {
      return containerd.ctr(['run', ...containerd.runtimeFlags(), ...flags, TEST_IMAGE, id, ...command]);
    }

    /** The task's status as `ctr task ls` shows it (RUNNING, STOPPED…), or undefined. */
    function taskStatus(id: string): string | undefined {
      const rows = containerd.ctr(['tasks', 'list']).stdout.split('\n').slice(1);
      return rows.map((row) => row.trim().split(/\s+/)).find((cols) => cols[0] === id)?.[2];
    }

    /** Polls until the task reaches `status`; the shim reports an exit asynchronously. */
    async function waitForStatus(id: string, status: string): Promise<string | undefined> {
      for (let attempt = 0; attempt < 200 && taskStatus(id) !== status; attempt++) await sleep(25);
      return taskStatus(id);
    }

    it('ctr run --rm prints what the guest prints', () => {
      const r = ctrRun(['--rm'], 'echo-hi', ['/bin/busybox', 'echo', 'hi']);
      expect(r.stderr).toBe('');
      expect(r.stdout).toBe('hi\n');
      expect(r.status).toBe(0);
    });

    it("ctr run exits with the guest's exit code", () => {
      const r = ctrRun(['--rm'], 'exit-3', ['/bin/sh', '-c', 'exit 3']);
      expect(r.status).toBe(3);
    });

    it('ctr run -d, task exec, task ps, task kill and task rm manage a long-running task', async () => {
      const id = 'detached';
      const started = ctrRun(['--detach'], id, ['/bin/sleep', '1000']);
      expect(started.stderr).toBe('');
      expect(started.status).toBe(0);
      expect(taskStatus(id)).toBe('RUNNING');

      const exec = containerd.ctr(['tasks', 'exec', '--exec-id', 'e1', id, '/bin/busybox', 'echo', 'from exec']);
      expect(exec.stdout).toBe('from exec\n');
      expect(exec.status).toBe(0);
      const failing = containerd.ctr(['tasks', 'exec', '--exec-id', 'e2', id, '/bin/sh', '-c', 'exit 4']);
      expect(failing.status).toBe(4);

      // `ctr task ps` lists the host pids of the task's processes: here the one init.
      const ps = containerd.ctr(['tasks', 'ps', id]);
      expect(ps.status).toBe(0);
      const pids = ps.stdout.split('\n').slice(1).filter(Boolean);
      expect(pids).toHaveLength(1);
      expect(pids[0]).toMatch(/^\d+\s/);

      // A sleeping pid 1 ignores SIGTERM (no handler): only SIGKILL ends it.
      expect(containerd.ctr(['tasks', 'kill', '--signal', 'SIGKILL', id]).status).toBe(0);
      expect(await waitForStatus(id, 'STOPPED')).toBe('STOPPED');

      const removed = containerd.ctr(['tasks', 'delete', id]);
      expect(removed.status).toBe(0);
      // ctr reports the exit status it collected: 128 + SIGKILL.
      expect(removed.stderr).toContain('exit code 137');
      expect(taskStatus(id)).toBeUndefined();
      expect(containerd.ctr(['containers', 'delete', id]).status).toBe(0);
    });
  },
);
