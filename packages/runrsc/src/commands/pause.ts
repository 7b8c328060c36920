import { Command } from 'commander';
import { pauseContainer, resumeContainer } from '../api/lifecycle.js';
import { runtimeOptions } from './global.js';

/** `runrsc pause ID`: freeze every process of a running container. */
export function pauseCommand(): Command {
  return new Command('pause')
    .description('freeze every process of a running container')
    .argument('<id>', 'the container id')
    .action(async (id: string, _flags: object, cmd: Command) => {
      await pauseContainer(id, runtimeOptions(cmd));
    });
}

/** `runrsc resume ID`: thaw a paused container. */
export function resumeCommand(): Command {
  return new Command('resume')
    .description('thaw a paused container')
    .argument('<id>', 'the container id')
    .action(async (id: string, _flags: object, cmd: Command) => {
      await resumeContainer(id, runtimeOptions(cmd));
    });
}
