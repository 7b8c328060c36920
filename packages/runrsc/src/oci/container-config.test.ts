import { describe, expect, it } from 'vitest';
import { cpusetSize } from './container-config.js';

describe('cpusetSize', () => {
  it('counts the CPUs a cpuset list names, and names no count for an empty or malformed one', () => {
    expect(cpusetSize('0')).toBe(1);
    expect(cpusetSize('0-3,6')).toBe(5);
    expect(cpusetSize(' 2 , 4-5 ')).toBe(3);
    expect(cpusetSize(undefined)).toBeUndefined();
    expect(cpusetSize('')).toBeUndefined();
    expect(cpusetSize('3-1')).toBeUndefined();
    expect(cpusetSize('a')).toBeUndefined();
  });
});
