import { readFileSync } from 'node:fs';
import { Command, InvalidArgumentError, Option } from 'commander';
import { containerState, execProcess } from '../api/lifecycle.js';
import type { OciProcess } from '../api/types.js';
import { loadBundle } from '../oci/config.js';
import { collect, logger, parseCount, runtimeOptions } from './global.js';

interface ExecFlags {
  process?: string;
  detach?: boolean;
  tty?: boolean;
  consoleSocket?: string;
  pidFile?: string;
  cwd?: string;
  env: string[];
  user?: { uid: number; gid?: number };
  additionalGids: string[];
  preserveFds?: number;
  noNewPrivs?: boolean;
}

/** `runrsc exec [flags] ID [CMD…]` or `exec -p process.json ID`: run another process in a container. */
export function execCommand(): Command {
  return new Command('exec')
    .description('run a new process in a running container (from -p process.json, or the command after the id)')
    .argument('<id>', 'the container id')
    .argument('[command...]', "the command and its arguments; the rest comes from the container's config.json process")
    .option('-p, --process <file>', 'an OCI process JSON file; the other process flags are then ignored')
    .option('-d, --detach', 'return once the process started')
    .option('-t, --tty', 'give the process a terminal (its pty master goes to --console-socket)')
    .option('--console-socket <path>', 'AF_UNIX socket that receives the pty master')
    .option('--pid-file <file>', 'write the process pid to this file')
    .option('--cwd <dir>', 'the working directory in the container')
    .option('-e, --env <K=V>', 'add an environment variable (repeatable)', collect, [] as string[])
    .addOption(new Option('-u, --user <uid[:gid]>', 'the user (and group) ids to run as').argParser(parseUser))
    .option('-g, --additional-gids <gid>', 'an additional group id (repeatable)', collect, [] as string[])
    .option('--no-new-privs', 'set no_new_privs for the process')
    .addOption(new Option('--preserve-fds <n>', 'pass N extra fds (not supported: must be 0)').argParser(parseCount))
    .passThroughOptions()
    .action(async (id: string, command: string[], flags: ExecFlags, cmd: Command) => {
      const rt = runtimeOptions(cmd);
      if (flags.preserveFds) logger(cmd).warn(`--preserve-fds ${flags.preserveFds}: extra fds are not passed to the process`);
      const proc = flags.process !== undefined ? readProcessFile(flags.process) : await processFromFlags(id, command, flags, rt);
      const result = await execProcess(id, proc, { ...rt, detach: flags.detach, pidFile: flags.pidFile, consoleSocket: flags.consoleSocket });
      if (!flags.detach && result.exit) process.exitCode = result.exit.status;
    });
}

/** "1000" or "1000:1000". */
function parseUser(value: string): { uid: number; gid?: number } {
  const m = /^(\d+)(?::(\d+))?$/.exec(value);
  if (!m) throw new InvalidArgumentError(`not a user: ${value} (use uid or uid:gid, as numbers)`);
  return { uid: Number(m[1]), gid: m[2] === undefined ? undefined : Number(m[2]) };
}

/** As runc: the container's own process with the args, env, cwd, user and terminal of the flags. */
async function processFromFlags(id: string, command: string[], flags: ExecFlags, rt: ReturnType<typeof runtimeOptions>): Promise<OciProcess> {
  if (command.length === 0) throw new Error('exec: give the command after the container id, or --process FILE');
  const state = await containerState(id, rt);
  const base = loadBundle(state.bundle).spec.process;
  const gids = flags.additionalGids.map((g) => {
    if (!/^\d+$/.test(g)) throw new Error(`exec: --additional-gids ${g}: not a group id`);
    return Number(g);
  });
  const user = { ...base.user };
  if (flags.user) {
    user.uid = flags.user.uid;
    if (flags.user.gid !== undefined) user.gid = flags.user.gid;
  }
  if (gids.length > 0) user.additionalGids = gids;
  return {
    ...base,
    args: command,
    env: [...(base.env ?? []), ...flags.env],
    cwd: flags.cwd ?? base.cwd,
    terminal: flags.tty === true,
    user,
    noNewPrivileges: flags.noNewPrivs === true ? true : base.noNewPrivileges,
  };
}

/** An OCI process JSON file, checked as runc checks it (args present, cwd absolute). */
function readProcessFile(file: string): OciProcess {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new Error(`exec: ${file}: ${(err as NodeJS.ErrnoException).code ?? 'invalid JSON: ' + (err as Error).message}`);
  }
  const fail = (field: string, what: string): never => {
    throw new Error(`exec: ${file}: ${field}: ${what}`);
  };
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) fail('(top level)', 'must be an object');
  const p = raw as Record<string, unknown>;
  if (!Array.isArray(p.args) || p.args.length === 0 || !p.args.every((a) => typeof a === 'string')) fail('args', 'must be a non-empty array of strings');
  if (typeof p.cwd !== 'string' || !p.cwd.startsWith('/')) fail('cwd', 'must be an absolute path');
  if (p.env !== undefined && !(Array.isArray(p.env) && p.env.every((e) => typeof e === 'string'))) fail('env', 'must be an array of strings');
  if (p.terminal !== undefined && typeof p.terminal !== 'boolean') fail('terminal', 'must be a boolean');
  const user = (p.user ?? { uid: 0, gid: 0 }) as Record<string, unknown>;
  if (typeof user !== 'object' || !Number.isInteger(user.uid ?? 0) || !Number.isInteger(user.gid ?? 0)) fail('user', 'must be {uid: integer, gid: integer}');
  return { ...(p as unknown as OciProcess), user: { ...user, uid: Number(user.uid ?? 0), gid: Number(user.gid ?? 0) } };
}
