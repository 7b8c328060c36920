import { Command } from 'commander';
import { runtimeFeatures } from '../api/lifecycle.js';

/** `runrsc features`: what this runtime supports, as `runc features` prints it. */
export function featuresCommand(): Command {
  return new Command('features')
    .description('print the features the runtime supports as JSON')
    .action(() => {
      process.stdout.write(JSON.stringify(runtimeFeatures(), null, 2) + '\n');
    });
}
