import { Command, Option } from 'commander';
import { listContainers } from '../api/lifecycle.js';
import type { ContainerState } from '../api/types.js';
import { runtimeOptions } from './global.js';

/** `runrsc list [-f table|json] [-q]`: the containers under --root. */
export function listCommand(): Command {
  return new Command('list')
    .alias('ls')
    .description('list the containers under --root')
    .addOption(new Option('-f, --format <format>', 'output format').choices(['table', 'json']).default('table'))
    .option('-q, --quiet', 'print only the container ids')
    .action(async (flags: { format: 'table' | 'json'; quiet?: boolean }, cmd: Command) => {
      const states = await listContainers(runtimeOptions(cmd));
      if (flags.quiet) {
        process.stdout.write(states.map((s) => s.id + '\n').join(''));
      } else if (flags.format === 'json') {
        process.stdout.write(JSON.stringify(states) + '\n');
      } else {
        process.stdout.write(formatTable(states));
      }
    });
}

/** runc's table: tab-aligned columns (Go tabwriter, minimum width 12, padding 3). */
export function formatTable(states: readonly ContainerState[]): string {
  const rows = [
    ['ID', 'PID', 'STATUS', 'BUNDLE', 'CREATED', 'OWNER'],
    ...states.map((s) => [s.id, String(s.pid), s.status, s.bundle, s.created, s.owner || 'root']),
  ];
  return alignColumns(rows);
}

/** Pad every column but the last to its widest cell plus 3 spaces, at least 12 wide. */
export function alignColumns(rows: readonly string[][]): string {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length + 3, 12)));
  return rows.map((row) => row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]!))).join('') + '\n').join('');
}
