// podman as a client of the OCI runtime: podman (through conmon) runs the runtime's create, start,
// state, exec, kill and delete verbs. The runtime is runrsc unless RVISOR_ENGINE_RUNTIME names
// another one (RVISOR_ENGINE_RUNTIME=/usr/sbin/runc checks the tests themselves).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PodmanHarness } from './engines/podman.js';
import { TEST_IMAGE } from './engines/image.js';
import { engineRuntime, runtimeSkipReason } from './engines/runtime.js';
import { ROOTFS } from './paths.js';

const skipReason = PodmanHarness.skipReason() ?? runtimeSkipReason();

describe.skipIf(skipReason !== undefined)(`podman with the engine runtime${skipReason ? ` (skipped: ${skipReason})` : ''}`, () => {
  let wrapperDir: string;
  let podman: PodmanHarness;

  beforeAll(() => {
    wrapperDir = mkdtempSync(join(tmpdir(), 'rvisor-runtime-'));
    podman = PodmanHarness.create(engineRuntime(wrapperDir).path, ROOTFS);
  });

  afterAll(() => {
    podman?.dispose();
    if (wrapperDir) rmSync(wrapperDir, { recursive: true, force: true });
  });

  it('podman run --rm prints what the guest prints', () => {
    const r = podman.run(['/bin/busybox', 'echo', 'hi']);
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('hi\n');
    expect(r.status).toBe(0);
  });

  it("podman run exits with the guest's exit code", () => {
    const r = podman.run(['/bin/sh', '-c', 'exit 3']);
    expect(r.status).toBe(3);
  });

  it('podman run passes stdin to the guest with -i', () => {
    const r = podman.podman(['run', '--rm', '-i', '--network', 'none', TEST_IMAGE, '/bin/busybox', 'cat'], {
      input: 'through stdin\n',
    });
    expect(r.stdout).toBe('through stdin\n');
    expect(r.status).toBe(0);
  });

  it('podman run -d, exec, stop and rm manage a long-running container', () => {
    const name = 'rvisor-detached';
    const started = podman.podman(['run', '-d', '--name', name, '--network', 'none', TEST_IMAGE, '/bin/sleep', '1000']);
    expect(started.stderr).toBe('');
    expect(started.status).toBe(0);

    expect(podman.podman(['inspect', '--format', '{{.State.Status}}', name]).stdout.trim()).toBe('running');

    const exec = podman.podman(['exec', name, '/bin/busybox', 'echo', 'from exec']);
    expect(exec.stdout).toBe('from exec\n');
    expect(exec.status).toBe(0);
    expect(podman.podman(['exec', name, '/bin/sh', '-c', 'exit 4']).status).toBe(4);

    // A sleeping pid 1 ignores SIGTERM (no handler), so stop ends it with SIGKILL at once.
    const stopped = podman.podman(['stop', '--time', '0', name]);
    expect(stopped.status, `podman stop: ${stopped.stderr}`).toBe(0);
    expect(podman.podman(['inspect', '--format', '{{.State.Status}}', name]).stdout.trim()).toBe('exited');

    const removed = podman.podman(['rm', name]);
    expect(removed.status, `podman rm: ${removed.stderr}`).toBe(0);
    expect(podman.podman(['ps', '--all', '--quiet']).stdout).toBe('');
  });
});
