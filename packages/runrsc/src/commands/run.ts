import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import { runBundle } from '../api/bundle.js';
import { runContainer, type Volume } from '../api/run.js';

interface RunOptions {
  rootfs?: string;
  bundle?: string;
  strace?: boolean;
  hostname: string;
  env?: string[];
  memory?: number;
  volume?: string[];
}

/**
 * `runrsc run --rootfs DIR [options] -- CMD [ARGS…]`: a command over a rootfs directory; or
 * `runrsc run [--bundle DIR] ID`: an OCI bundle in the foreground, as `runc run`.
 */
export function runCommand(): Command {
  return new Command('run')
    .description('run a command over a rootfs directory (--rootfs DIR -- CMD), or an OCI bundle (ID) in the foreground')
    .option('--rootfs <dir>', 'host directory holding the container root file system')
    .option('-b, --bundle <dir>', 'the OCI bundle (default: the current directory)')
    .option('--strace', 'print every syscall with decoded arguments and result to stderr')
    .option('--hostname <name>', 'the container hostname', 'rvisor')
    .option('-v, --volume <spec>', 'bind-mount a host directory: HOST:CONTAINER[:ro] (repeatable)', collect, [] as string[])
    .option('--memory <bytes>', 'guest memory limit, e.g. 64M or 1G (mmap and brk fail with ENOMEM past it)', parseBytes)
    .option('-e, --env <KEY=VALUE...>', 'set environment variables (replacing the default PATH/HOME/TERM when PATH is given)')
    .argument('<args...>', 'with --rootfs: the command and its arguments (after --); else the container id')
    .passThroughOptions()
    .action(async (args: string[], opts: RunOptions, cmd: Command) => {
      const debug = cmd.parent?.opts().debug === true;
      const log = debug ? (m: string) => process.stderr.write(`rvisor: ${m}\n`) : undefined;
      const strace = opts.strace ? (line: string) => process.stderr.write(line + '\n') : undefined;
      let result;
      if (opts.rootfs !== undefined) {
        const rootfs = resolve(opts.rootfs);
        if (!existsSync(rootfs) || !statSync(rootfs).isDirectory()) throw new Error(`--rootfs ${opts.rootfs}: not a directory`);
        result = await runContainer({
          rootfs,
          args,
          env: opts.env && opts.env.length > 0 ? mergeEnv(opts.env) : undefined,
          hostname: opts.hostname,
          memoryLimit: opts.memory,
          volumes: (opts.volume ?? []).map(parseVolume),
          strace,
          log,
        });
      } else {
        if (args.length !== 1) throw new Error('run: give a container id (and --bundle DIR), or --rootfs DIR -- CMD');
        result = await runBundle(opts.bundle ?? process.cwd(), {
          memoryLimit: opts.memory,
          strace,
          log,
          warn: (m) => process.stderr.write(`runrsc: warning: ${m}\n`),
        });
      }
      if (result.error) process.stderr.write(`runrsc: ${result.error}\n`);
      process.exitCode = result.status;
    });
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** "HOST:CONTAINER" or "HOST:CONTAINER:ro". */
function parseVolume(spec: string): Volume {
  const parts = spec.split(':');
  const [source, target, mode] = parts;
  if (parts.length < 2 || parts.length > 3 || !source || !target?.startsWith('/') || (mode !== undefined && mode !== 'ro' && mode !== 'rw')) {
    throw new InvalidArgumentError(`not a volume: ${spec} (use /host/dir:/container/dir[:ro])`);
  }
  const dir = resolve(source);
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new InvalidArgumentError(`volume ${spec}: ${source} is not a directory`);
  return { source: dir, target, readOnly: mode === 'ro' };
}

/** "64M", "1G", "4096": a byte count (K, M, G are powers of 1024). */
function parseBytes(value: string): number {
  const m = /^(\d+)([KMG]?)B?$/i.exec(value.trim());
  if (!m) throw new InvalidArgumentError(`not a size: ${value} (use e.g. 512M or 2G)`);
  const shift = { '': 0, K: 10, M: 20, G: 30 }[m[2].toUpperCase() as '' | 'K' | 'M' | 'G'];
  return Number(m[1]) * 2 ** shift;
}

function mergeEnv(extra: string[]): string[] {
  const env = new Map<string, string>([
    ['PATH', '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'],
    ['HOME', '/root'],
    ['TERM', 'xterm'],
  ]);
  for (const kv of extra) {
    const i = kv.indexOf('=');
    if (i > 0) env.set(kv.slice(0, i), kv.slice(i + 1));
  }
  return [...env].map(([k, v]) => `${k}=${v}`);
}
