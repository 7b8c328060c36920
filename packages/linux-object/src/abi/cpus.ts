/**
 * How Linux writes a set of CPUs in /proc and /sys, for a container that sees CPUs 0 to n-1.
 *
 * @module
 */

/** A cpulist: "0" or "0-3". */
export function cpuList(cpus: number): string {
  return cpus === 1 ? '0' : `0-${cpus - 1}`;
}

/**
 * A cpumap (Cpus_allowed, core_siblings): CPUs `from` to `to` (exclusive) set in a bitmap `width`
 * CPUs wide, in hex, as many digits as the width needs, comma-separated every 32 bits ("3",
 * "ffffffff,ffffffff").
 */
export function cpuMask(width: number, from = 0, to = width): string {
  const bits = ((1n << BigInt(to)) - 1n) ^ ((1n << BigInt(from)) - 1n);
  const hex = bits.toString(16).padStart(Math.ceil(width / 4), '0');
  const groups: string[] = [];
  for (let end = hex.length; end > 0; end -= 8) groups.unshift(hex.slice(Math.max(0, end - 8), end));
  return groups.join(',');
}
