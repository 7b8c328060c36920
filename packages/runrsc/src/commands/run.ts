import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { constants } from 'node:os';
import { Command, InvalidArgumentError, Option } from 'commander';
import { createContainer, deleteContainer, killContainer, startContainer, waitContainer } from '../api/lifecycle.js';
import type { Volume } from '../api/run.js';
import type { FileAccess } from '../sandbox/container.js';
import { addCreateOptions, createOptions } from './create.js';
import { collect, parseBytes, parseCount } from './global.js';

interface RunOptions {
  rootfs?: string;
  bundle?: string;
  pidFile?: string;
  consoleSocket?: string;
  preserveFds?: number;
  detach?: boolean;
  keep?: boolean;
  strace?: boolean;
  hostname: string;
  env?: string[];
  memory?: number;
  pidsLimit?: number;
  fileAccess?: FileAccess;
  volume?: string[];
}

/** Signals `run` passes on to the container while it waits for it, as runc does. */
const FORWARDED = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2', 'SIGWINCH'] as const;

/**
 * `runrsc run --rootfs DIR [options] -- CMD [ARGS…]`: a command over a rootfs directory; or
 * `runrsc run [--bundle DIR] [-d] [--keep] ID`: as `runc run`, create + start, then (unless
 * --detach) wait and delete (unless --keep), exiting with the container's status.
 */
export function runCommand(): Command {
  return addCreateOptions(new Command('run'))
    .description('run an OCI bundle (ID) as runc run, or a command over a rootfs directory (--rootfs DIR -- CMD)')
    .option('--rootfs <dir>', 'host directory holding the container root file system')
    .option('-d, --detach', 'return once the container runs (bundle form)')
    .option('--keep', 'keep the stopped container instead of deleting it (bundle form)')
    .option('--strace', 'print every syscall with decoded arguments and result to stderr')
    .addOption(
      new Option('--file-access <mode>', 'exclusive: nothing else changes the rootfs while the container runs, so lookups are cached; shared: the host may, so every lookup asks it')
        .choices(['exclusive', 'shared'])
        .default('exclusive'),
    )
    .option('--hostname <name>', 'the container hostname', 'rvisor')
    .option('-v, --volume <spec>', 'bind-mount a host directory: HOST:CONTAINER[:ro] (repeatable)', collect, [] as string[])
    .option('--memory <bytes>', 'guest memory limit, e.g. 64M or 1G (mmap and brk fail with ENOMEM past it)', parseBytes)
    .option('--pids-limit <n>', 'most tasks (processes and threads) the container may have; fork and clone fail with EAGAIN past it', parseCount)
    .option('-e, --env <KEY=VALUE...>', 'set environment variables (replacing the default PATH/HOME/TERM when PATH is given)')
    .argument('<args...>', 'with --rootfs: the command and its arguments (after --); else the container id')
    .passThroughOptions()
    .action(async (args: string[], opts: RunOptions, cmd: Command) => {
      if (opts.rootfs === undefined) return runBundleContainer(args, opts, cmd);
      if (opts.bundle !== undefined || opts.detach || opts.keep || opts.pidFile !== undefined || opts.consoleSocket !== undefined) {
        throw new Error('run: --bundle, --detach, --keep, --pid-file and --console-socket go with a container id, not --rootfs');
      }
      const debug = cmd.parent?.opts().debug === true;
      const log = debug ? (m: string) => process.stderr.write(`rvisor: ${m}\n`) : undefined;
      const strace = opts.strace ? (line: string) => process.stderr.write(line + '\n') : undefined;
      const rootfs = resolve(opts.rootfs);
      if (!existsSync(rootfs) || !statSync(rootfs).isDirectory()) throw new Error(`--rootfs ${opts.rootfs}: not a directory`);
      const result = await (await import('../api/run.js')).runContainer({
        rootfs,
        args,
        env: opts.env && opts.env.length > 0 ? mergeEnv(opts.env) : undefined,
        hostname: opts.hostname,
        memoryLimit: opts.memory,
        pidsLimit: opts.pidsLimit,
        fileAccess: opts.fileAccess,
        volumes: (opts.volume ?? []).map(parseVolume),
        strace,
        log,
      });
      if (result.error) process.stderr.write(`runrsc: ${result.error}\n`);
      process.exitCode = result.status;
    });
}

/** runc's run: create, start, then wait, delete and exit with the container's status. */
async function runBundleContainer(args: string[], opts: RunOptions, cmd: Command): Promise<void> {
  if (args.length !== 1) throw new Error('run: give one container id (and --bundle DIR), or --rootfs DIR -- CMD');
  if (opts.memory !== undefined || opts.pidsLimit !== undefined || (opts.volume ?? []).length > 0 || (opts.env ?? []).length > 0) {
    throw new Error('run: --memory, --pids-limit, --volume and --env go with --rootfs; a bundle takes them from config.json');
  }
  const id = args[0]!;
  const create = { ...createOptions(cmd, opts), strace: opts.strace, inProcess: !opts.detach && !opts.keep };
  const rt = { root: create.root, log: create.log };
  await createContainer(id, create);
  try {
    await startContainer(id, rt);
  } catch (err) {
    await deleteContainer(id, { ...rt, force: true }).catch(() => {});
    throw err;
  }
  if (opts.detach) return;
  const forward = (signal: NodeJS.Signals) => {
    killContainer(id, constants.signals[signal], rt).catch(() => {});
  };
  for (const s of FORWARDED) process.on(s, forward);
  try {
    const exit = await waitContainer(id, rt);
    process.exitCode = exit.status;
  } finally {
    for (const s of FORWARDED) process.off(s, forward);
  }
  if (!opts.keep) await deleteContainer(id, { ...rt, force: true });
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
