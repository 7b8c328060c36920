#!/usr/bin/env node
/**
 * The runrsc command line. Each verb is a thin wrapper over a function in ./api.
 *
 * @module
 */
import { Command } from 'commander';
import { runCommand } from './commands/run.js';
import { specCommand } from './commands/spec.js';

const program = new Command('runrsc')
  .description('rVisor-ts: run containers on a Linux kernel written in TypeScript')
  .option('--debug', 'print kernel messages to stderr')
  .enablePositionalOptions()
  .showHelpAfterError();

program.addCommand(runCommand());
program.addCommand(specCommand());

program.parseAsync(process.argv).catch((err: Error) => {
  process.stderr.write(`runrsc: ${err.message}\n`);
  process.exit(1);
});
