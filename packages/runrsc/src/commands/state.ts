import { Command } from 'commander';
import { containerState } from '../api/lifecycle.js';
import { runtimeOptions } from './global.js';

/** `runrsc state ID`: the OCI state JSON. */
export function stateCommand(): Command {
  return new Command('state')
    .description('print the OCI state of a container as JSON')
    .argument('<id>', 'the container id')
    .action(async (id: string, _flags: object, cmd: Command) => {
      const state = await containerState(id, runtimeOptions(cmd));
      process.stdout.write(JSON.stringify(state, null, 2) + '\n');
    });
}
