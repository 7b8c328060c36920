import { Command, Option } from 'commander';
import { waitContainer } from '../api/lifecycle.js';
import { parseCount, runtimeOptions } from './global.js';

/** `runrsc wait [--pid N] ID`: wait for the init (or an exec) to end; prints runsc's {id, exitStatus}. */
export function waitCommand(): Command {
  return new Command('wait')
    .description('wait for the container init (or the exec with --pid) to exit and print its status')
    .argument('<id>', 'the container id')
    .addOption(new Option('--pid <pid>', 'wait for this exec process (its host pid)').argParser(parseCount))
    .action(async (id: string, flags: { pid?: number }, cmd: Command) => {
      const exit = await waitContainer(id, { ...runtimeOptions(cmd), pid: flags.pid });
      process.stdout.write(JSON.stringify({ id, exitStatus: exit.status }) + '\n');
    });
}
