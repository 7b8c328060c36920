/**
 * How Linux writes a set of CPUs in /proc and /sys, for a container that sees CPUs 0 to n-1. A set
 * is a bitmask, CPU i as bit i.
 *
 * @module
 */

/** Every one of `cpus` CPUs. */
export function allCpus(cpus: number): bigint {
  return (1n << BigInt(cpus)) - 1n;
}

/** A cpulist: "0", "0-3", "0,2-3". */
export function cpuList(bits: bigint): string {
  const ranges: string[] = [];
  for (let cpu = 0; bits >> BigInt(cpu) !== 0n; cpu++) {
    if (((bits >> BigInt(cpu)) & 1n) === 0n) continue;
    let last = cpu;
    while (((bits >> BigInt(last + 1)) & 1n) === 1n) last++;
    ranges.push(last === cpu ? String(cpu) : `${cpu}-${last}`);
    cpu = last;
  }
  return ranges.join(',');
}

/**
 * A cpumap (Cpus_allowed, core_siblings): `bits` in a bitmap `width` CPUs wide, in hex, as many
 * digits as the width needs, comma-separated every 32 bits ("3", "ffffffff,ffffffff").
 */
export function cpuMask(width: number, bits = allCpus(width)): string {
  const hex = bits.toString(16).padStart(Math.ceil(width / 4), '0');
  const groups: string[] = [];
  for (let end = hex.length; end > 0; end -= 8) groups.unshift(hex.slice(Math.max(0, end - 8), end));
  return groups.join(',');
}
