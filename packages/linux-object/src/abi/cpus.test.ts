import { describe, expect, it } from 'vitest';
import { cpuList, cpuMask } from './cpus.js';

describe('CPU sets as /proc and /sys write them', () => {
  it('lists a range, and maps it in hex digits grouped by 32 bits', () => {
    expect([cpuList(1), cpuList(2), cpuList(8)]).toEqual(['0', '0-1', '0-7']);
    expect([cpuMask(1), cpuMask(2), cpuMask(8), cpuMask(12)]).toEqual(['1', '3', 'ff', 'fff']);
    expect(cpuMask(2, 1, 2)).toBe('2');
    expect(cpuMask(8, 0, 1)).toBe('01'); // as wide as all the CPUs need
    expect(cpuMask(64)).toBe('ffffffff,ffffffff');
    expect(cpuMask(40, 32, 33)).toBe('01,00000000');
  });
});
