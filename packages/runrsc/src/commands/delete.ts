import { Command } from 'commander';
import { deleteContainer } from '../api/lifecycle.js';
import { runtimeOptions } from './global.js';

/** `runrsc delete [--force] ID`: remove a stopped container (--force kills a running one first). */
export function deleteCommand(): Command {
  return new Command('delete')
    .description('remove a stopped container and its state')
    .argument('<id>', 'the container id')
    .option('-f, --force', 'kill the container first if it still runs; no error if it does not exist')
    .action(async (id: string, flags: { force?: boolean }, cmd: Command) => {
      try {
        await deleteContainer(id, { ...runtimeOptions(cmd), force: flags.force });
      } catch (err) {
        // runc: a forced delete of a container that is not there succeeds.
        if (flags.force && (err as { code?: string }).code === 'not-found') return;
        throw err;
      }
    });
}
