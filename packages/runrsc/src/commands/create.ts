import { Command, Option } from 'commander';
import { createContainer } from '../api/lifecycle.js';
import { logger, parseCount, runtimeOptions } from './global.js';

interface CreateFlags {
  bundle?: string;
  pidFile?: string;
  consoleSocket?: string;
  preserveFds?: number;
}

/** runc's create flags, shared by `create` and `run`. */
export function addCreateOptions(cmd: Command): Command {
  return cmd
    .option('-b, --bundle <dir>', 'the OCI bundle (default: the current directory)')
    .option('--pid-file <file>', 'write the container pid to this file')
    .option('--console-socket <path>', 'AF_UNIX socket that receives the pty master when process.terminal is set')
    .addOption(new Option('--preserve-fds <n>', 'pass N extra fds (3 and up) to the container (not supported: must be 0)').argParser(parseCount))
    // Accepted for runc compatibility: the sandbox has no pivot_root or kernel keyrings to skip.
    .option('--no-pivot', 'accepted for runc compatibility')
    .option('--no-new-keyring', 'accepted for runc compatibility');
}

/** The create options from the flags, with a warning for what is accepted but not done. */
export function createOptions(cmd: Command, flags: CreateFlags) {
  if (flags.preserveFds) logger(cmd).warn(`--preserve-fds ${flags.preserveFds}: extra fds are not passed to the container`);
  return {
    ...runtimeOptions(cmd),
    bundle: flags.bundle,
    pidFile: flags.pidFile,
    consoleSocket: flags.consoleSocket,
  };
}

/** `runrsc create [flags] ID`: set a container up from its bundle without running its process. */
export function createCommand(): Command {
  return addCreateOptions(new Command('create'))
    .description('create a container from an OCI bundle; its process waits for start')
    .argument('<id>', 'the container id')
    .action(async (id: string, flags: CreateFlags, cmd: Command) => {
      await createContainer(id, createOptions(cmd, flags));
    });
}
