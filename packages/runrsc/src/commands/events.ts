import { Command, InvalidArgumentError } from 'commander';
import { containerEvents } from '../api/lifecycle.js';
import { runtimeOptions } from './global.js';

/** `runrsc events [--stats] [--interval 5s] ID`: stats and events as JSON lines. */
export function eventsCommand(): Command {
  return new Command('events')
    .description('print container events as JSON lines (--stats: one stats record, then exit)')
    .argument('<id>', 'the container id')
    .option('--stats', 'print one stats record and exit')
    .option('--interval <duration>', 'how often to print stats when streaming, e.g. 5s or 500ms', parseDuration, 5000)
    .action(async (id: string, flags: { stats?: boolean; interval: number }, cmd: Command) => {
      const events = containerEvents(id, { ...runtimeOptions(cmd), stats: flags.stats, intervalMs: flags.interval });
      for await (const event of events) {
        process.stdout.write(JSON.stringify(event) + '\n');
        if (flags.stats) break;
      }
    });
}

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** A Go-style duration ("5s", "250ms", "1m30s") in milliseconds. */
export function parseDuration(value: string): number {
  const parts = [...value.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)];
  if (parts.length === 0 || parts.map((p) => p[0]).join('') !== value) throw new InvalidArgumentError(`not a duration: ${value} (use e.g. 5s or 500ms)`);
  const ms = parts.reduce((sum, p) => sum + Number(p[1]) * UNIT_MS[p[2]!]!, 0);
  if (ms <= 0) throw new InvalidArgumentError(`duration must be positive: ${value}`);
  return ms;
}
