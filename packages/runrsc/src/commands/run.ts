import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import { runContainer, type Volume } from '../api/run.js';

/** `runrsc run --rootfs DIR [--strace] -- CMD [ARGS…]` */
export function runCommand(): Command {
  return new Command('run')
    .description('run a command in a new sandbox over a rootfs directory')
    .requiredOption('--rootfs <dir>', 'host directory holding the container root file system')
    .option('--strace', 'print every syscall with decoded arguments and result to stderr')
    .option('--hostname <name>', 'the container hostname', 'rvisor')
    .option('-v, --volume <spec>', 'bind-mount a host directory: HOST:CONTAINER[:ro] (repeatable)', collect, [] as string[])
    .option('--memory <bytes>', 'guest memory limit, e.g. 64M or 1G (mmap and brk fail with ENOMEM past it)', parseBytes)
    .option('-e, --env <KEY=VALUE...>', 'set environment variables (replacing the default PATH/HOME/TERM when PATH is given)')
    .argument('<command...>', 'the command and its arguments (after --)')
    .passThroughOptions()
    .action(async (args: string[], opts: { rootfs: string; strace?: boolean; hostname: string; env?: string[]; memory?: number; volume?: string[] }, cmd: Command) => {
      const rootfs = resolve(opts.rootfs);
      if (!existsSync(rootfs) || !statSync(rootfs).isDirectory()) {
        process.stderr.write(`runrsc: --rootfs ${opts.rootfs}: not a directory\n`);
        process.exit(1);
      }
      const debug = cmd.parent?.opts().debug === true;
      const env = opts.env && opts.env.length > 0 ? mergeEnv(opts.env) : undefined;
      const result = await runContainer({
        rootfs,
        args,
        env,
        hostname: opts.hostname,
        memoryLimit: opts.memory,
        volumes: (opts.volume ?? []).map(parseVolume),
        strace: opts.strace ? (line) => process.stderr.write(line + '\n') : undefined,
        log: debug ? (m) => process.stderr.write(`rvisor: ${m}\n`) : undefined,
      });
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
