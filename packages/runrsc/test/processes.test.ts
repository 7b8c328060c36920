import { describe, expect, it } from 'vitest';
import { runInSandbox, runNatively } from './helpers.js';

// fork, vfork, wait4 and pipes through busybox sh: each script runs in the sandbox and chrooted
// natively into the same rootfs, and the two must agree.
const SCRIPTS: Record<string, string> = {
  'command substitution': 'echo "hello from $(cat /etc/hostname)"',
  pipelines: 'echo abc | tr a-z A-Z; ls / | wc -l; cat /etc/passwd | grep root | cut -d: -f1',
  'subshell exit status': '(echo sub; exit 4); echo "status $?"; sh -c "exit 7"; echo "status $?"',
  'loops of short-lived children': 'for i in 1 2 3; do echo $i | cat; done; x=$(echo a; echo b | cat); echo "$x"',
  'a large pipe transfer': 'seq 1 20000 | sort -n | tail -1; seq 1 5000 | wc -c',
  'SIGPIPE kills the writer silently': 'yes | head -2; echo done',
  'a child killed by a signal': 'sh -c "kill -9 \\$\\$"; echo "status $?"',
  'here-documents': 'cat <<EOF\nline one $((1 + 1))\nline two\nEOF\nread a b <<EOF\nx y\nEOF\necho "$b$a"',
  // The starting RLIMIT_NOFILE is the container's own (1024), not the host's: set it first.
  ulimit: 'ulimit -n 100; ulimit -n; sh -c "ulimit -n"; ulimit -s; ulimit -n 200; echo $?; ulimit -n',
};

describe('processes and pipes (native vs sandbox)', () => {
  for (const [name, script] of Object.entries(SCRIPTS)) {
    it(name, () => {
      const native = runNatively(['/bin/sh', '-c', script]);
      const sandbox = runInSandbox(['/bin/sh', '-c', script]);
      expect(sandbox.stdout).toBe(native.stdout);
      expect(sandbox.status).toBe(native.status);
    });
  }
});
