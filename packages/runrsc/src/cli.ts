/**
 * The runrsc command line: runc's verbs and global flags, each verb a thin wrapper over a function
 * of the lifecycle API (./api), plus the friendly `runrsc run --rootfs DIR -- CMD`.
 *
 * @module
 */
import { createRequire } from 'node:module';
import { Command, CommanderError } from 'commander';
import { createCommand } from './commands/create.js';
import { deleteCommand } from './commands/delete.js';
import { eventsCommand } from './commands/events.js';
import { execCommand } from './commands/exec.js';
import { featuresCommand } from './commands/features.js';
import { addGlobalOptions, Logger, type GlobalOptions } from './commands/global.js';
import { killCommand } from './commands/kill.js';
import { listCommand } from './commands/list.js';
import { pauseCommand, resumeCommand } from './commands/pause.js';
import { psCommand } from './commands/ps.js';
import { runCommand } from './commands/run.js';
import { specCommand } from './commands/spec.js';
import { startCommand } from './commands/start.js';
import { stateCommand } from './commands/state.js';
import { updateCommand } from './commands/update.js';
import { waitCommand } from './commands/wait.js';

const { version } = createRequire(import.meta.url)('../package.json') as { version: string };

const program = addGlobalOptions(new Command('runrsc'))
  .description('rVisor-ts: run containers on a Linux kernel written in TypeScript')
  // runc's --version format, which engines parse: name version, then the spec version.
  .version(`runrsc version ${version}\nspec: 1.0.2`, '-v, --version', 'print the version')
  .enablePositionalOptions()
  .showHelpAfterError();

for (const verb of [
  createCommand(),
  startCommand(),
  runCommand(),
  execCommand(),
  killCommand(),
  deleteCommand(),
  stateCommand(),
  listCommand(),
  psCommand(),
  eventsCommand(),
  pauseCommand(),
  resumeCommand(),
  updateCommand(),
  waitCommand(),
  featuresCommand(),
  specCommand(),
]) {
  program.addCommand(verb);
}

// Usage errors are thrown rather than exiting at once, so they reach the --log file too.
for (const cmd of [program, ...program.commands]) cmd.exitOverride();

/** Run the command line (the launcher, dist/runrsc.cjs, calls it; src/launch/code-cache.ts). */
export function main(): void {
  program.parseAsync(process.argv).catch((err: unknown) => {
    const log = new Logger(program.opts() as GlobalOptions);
    if (err instanceof CommanderError) {
      // commander has printed it (or the help) already.
      if (err.exitCode !== 0) log.record('error', err.message.replace(/^error: /, ''));
      process.exit(err.exitCode);
    }
    log.error(err instanceof Error ? err.message : String(err));
    process.exit(1);
  });
}
