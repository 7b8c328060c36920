import { existsSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Command } from 'commander';
import { defaultSpec } from '../oci/config.js';

/** `runrsc spec [--bundle DIR]`: write a default config.json, as `runc spec`. */
export function specCommand(): Command {
  return new Command('spec')
    .description('write a default config.json into the bundle directory')
    .option('-b, --bundle <dir>', 'the bundle directory', '.')
    .action((opts: { bundle: string }) => {
      const file = join(resolve(opts.bundle), 'config.json');
      if (existsSync(file)) throw new Error(`${file} already exists; remove it first`);
      writeFileSync(file, JSON.stringify(defaultSpec(), null, 2) + '\n');
    });
}
