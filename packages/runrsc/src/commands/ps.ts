import { spawnSync } from 'node:child_process';
import { Command, Option } from 'commander';
import { containerPids } from '../api/lifecycle.js';
import { runtimeOptions } from './global.js';

/** `runrsc ps [-f table|json] ID [PS ARGS…]`: the host processes of a container. */
export function psCommand(): Command {
  return new Command('ps')
    .description('list the host processes of a container (json: an array of pids; table: ps -ef lines)')
    .addOption(new Option('-f, --format <format>', 'output format').choices(['table', 'json']).default('table'))
    .argument('<id>', 'the container id')
    .argument('[psArgs...]', 'options for ps(1) in table format (default -ef)')
    .action(async (id: string, psArgs: string[], flags: { format: 'table' | 'json' }, cmd: Command) => {
      const pids = await containerPids(id, runtimeOptions(cmd));
      if (flags.format === 'json') {
        if (psArgs.length > 0) throw new Error('ps: ps arguments cannot be used with --format json');
        process.stdout.write(JSON.stringify(pids) + '\n');
        return;
      }
      process.stdout.write(psTable(pids, psArgs.length > 0 ? psArgs : ['-ef']));
    });
}

/** Run ps(1) and keep its header and the lines of `pids`, as runc does. */
function psTable(pids: readonly number[], args: string[]): string {
  const r = spawnSync('ps', args, { encoding: 'utf8' });
  if (r.error) throw new Error(`ps: cannot run ps(1): ${r.error.message}`);
  if (r.status !== 0) throw new Error(`ps ${args.join(' ')}: ${r.stderr.trim() || `exited with status ${r.status}`}`);
  const [header = '', ...lines] = r.stdout.split('\n');
  const pidColumn = header.trim().split(/\s+/).indexOf('PID');
  if (pidColumn < 0) throw new Error(`ps ${args.join(' ')}: no PID column in its output`);
  const wanted = new Set(pids.map(String));
  const kept = lines.filter((line) => wanted.has(line.trim().split(/\s+/)[pidColumn] ?? ''));
  return [header, ...kept].map((l) => l + '\n').join('');
}
