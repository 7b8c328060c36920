import { describe, expect, it } from 'vitest';
import { allCpus, cpuList, cpuMask } from './cpus.js';

describe('CPU lists and maps', () => {
  it('are written as Linux writes them', () => {
    expect([cpuList(allCpus(1)), cpuList(allCpus(2)), cpuList(allCpus(8))]).toEqual(['0', '0-1', '0-7']);
    expect(cpuList(0b1101n)).toBe('0,2-3');
    expect([cpuMask(1), cpuMask(2), cpuMask(8), cpuMask(12)]).toEqual(['1', '3', 'ff', 'fff']);
    expect(cpuMask(2, 0b10n)).toBe('2');
    expect(cpuMask(8, 1n)).toBe('01'); // as wide as all the CPUs need
    expect(cpuMask(64)).toBe('ffffffff,ffffffff');
    expect(cpuMask(40, 1n << 32n)).toBe('01,00000000');
  });
});
