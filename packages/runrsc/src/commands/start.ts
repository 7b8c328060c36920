import { Command } from 'commander';
import { startContainer } from '../api/lifecycle.js';
import { runtimeOptions } from './global.js';

/** `runrsc start ID`: run the process of a created container. */
export function startCommand(): Command {
  return new Command('start')
    .description('run the process of a created container')
    .argument('<id>', 'the container id')
    .action(async (id: string, _flags: object, cmd: Command) => {
      await startContainer(id, runtimeOptions(cmd));
    });
}
