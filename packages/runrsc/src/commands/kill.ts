import { Command, Option } from 'commander';
import { killContainer } from '../api/lifecycle.js';
import { parseCount, runtimeOptions } from './global.js';
import { parseSignal } from '../api/signals.js';

/** `runrsc kill [--all] ID [SIGNAL]`: signal a container's init (default SIGTERM). */
export function killCommand(): Command {
  return new Command('kill')
    .description('send a signal (name or number, default SIGTERM) to the container init')
    .argument('<id>', 'the container id')
    .argument('[signal]', 'SIGKILL, KILL or 9', 'SIGTERM')
    .option('-a, --all', 'signal every process of the container')
    .addOption(new Option('--pid <pid>', 'signal this exec process (its host pid) instead of the init').argParser(parseCount))
    .action(async (id: string, signal: string, flags: { all?: boolean; pid?: number }, cmd: Command) => {
      const number = parseSignal(signal);
      await killContainer(id, number, { ...runtimeOptions(cmd), all: flags.all, pid: flags.pid });
    });
}
