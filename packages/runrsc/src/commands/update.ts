import { readFileSync } from 'node:fs';
import { Command, Option } from 'commander';
import { updateContainer } from '../api/lifecycle.js';
import type { LinuxResources } from '../api/types.js';
import { parseBytes, parseInteger, runtimeOptions } from './global.js';

interface UpdateFlags {
  resources?: string;
  memory?: number;
  memoryReservation?: number;
  memorySwap?: number;
  pidsLimit?: number;
  cpuShares?: number;
  cpuQuota?: number;
  cpuPeriod?: number;
  cpusetCpus?: string;
}

/** `runrsc update [-r FILE|-] [--memory …] ID`: change a container's resource limits. */
export function updateCommand(): Command {
  return new Command('update')
    .description('change the resource limits of a container')
    .argument('<id>', 'the container id')
    .option('-r, --resources <file>', "OCI linux.resources JSON from FILE, or '-' for stdin; flags override it")
    .addOption(new Option('--memory <bytes>', 'memory limit, e.g. 256m').argParser(parseBytes))
    .addOption(new Option('--memory-reservation <bytes>', 'memory soft limit').argParser(parseBytes))
    .addOption(new Option('--memory-swap <bytes>', 'memory plus swap limit (-1: unlimited)').argParser((v) => (v === '-1' ? -1 : parseBytes(v))))
    .addOption(new Option('--pids-limit <n>', 'maximum number of tasks (0 or -1: unlimited)').argParser(parseInteger))
    .addOption(new Option('--cpu-shares <n>', 'relative CPU weight').argParser(parseInteger))
    .addOption(new Option('--cpu-quota <us>', 'CPU time per period in microseconds (-1: unlimited)').argParser(parseInteger))
    .addOption(new Option('--cpu-period <us>', 'CFS period in microseconds').argParser(parseInteger))
    .option('--cpuset-cpus <list>', 'CPUs the container may use, e.g. 0-2,4')
    .action(async (id: string, flags: UpdateFlags, cmd: Command) => {
      await updateContainer(id, resourcesFrom(flags), runtimeOptions(cmd));
    });
}

/** The resources of -r (checked field by field) with the flags laid over them. */
function resourcesFrom(flags: UpdateFlags): LinuxResources {
  const r: LinuxResources = flags.resources !== undefined ? readResources(flags.resources) : {};
  const memory = { ...r.memory };
  if (flags.memory !== undefined) memory.limit = flags.memory;
  if (flags.memoryReservation !== undefined) memory.reservation = flags.memoryReservation;
  if (flags.memorySwap !== undefined) memory.swap = flags.memorySwap;
  const cpu = { ...r.cpu };
  if (flags.cpuShares !== undefined) cpu.shares = flags.cpuShares;
  if (flags.cpuQuota !== undefined) cpu.quota = flags.cpuQuota;
  if (flags.cpuPeriod !== undefined) cpu.period = flags.cpuPeriod;
  if (flags.cpusetCpus !== undefined) cpu.cpus = flags.cpusetCpus;
  const out: LinuxResources = {};
  if (Object.keys(memory).length > 0) out.memory = memory;
  if (Object.keys(cpu).length > 0) out.cpu = cpu;
  const pids = flags.pidsLimit !== undefined ? flags.pidsLimit : r.pids?.limit;
  if (pids !== undefined) out.pids = { limit: pids };
  return out;
}

const NUMBER_FIELDS = {
  memory: ['limit', 'reservation', 'swap'],
  pids: ['limit'],
  cpu: ['shares', 'quota', 'period'],
} as const;

function readResources(file: string): LinuxResources {
  const name = file === '-' ? 'stdin' : file;
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file === '-' ? 0 : file, 'utf8'));
  } catch (err) {
    throw new Error(`update: ${name}: ${(err as NodeJS.ErrnoException).code ?? 'invalid JSON: ' + (err as Error).message}`);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new Error(`update: ${name}: must be a JSON object`);
  const r = raw as Record<string, unknown>;
  for (const [section, fields] of Object.entries(NUMBER_FIELDS)) {
    const value = r[section];
    if (value === undefined) continue;
    if (typeof value !== 'object' || value === null) throw new Error(`update: ${name}: ${section}: must be an object`);
    for (const field of fields) {
      const v = (value as Record<string, unknown>)[field];
      if (v !== undefined && !(typeof v === 'number' && Number.isInteger(v))) throw new Error(`update: ${name}: ${section}.${field}: must be an integer`);
    }
  }
  const cpus = (r.cpu as Record<string, unknown> | undefined)?.cpus;
  if (cpus !== undefined && typeof cpus !== 'string') throw new Error(`update: ${name}: cpu.cpus: must be a string`);
  return r as LinuxResources;
}
