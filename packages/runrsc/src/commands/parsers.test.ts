import { describe, expect, it } from 'vitest';
import { parseDuration } from './events.js';
import { parseBytes, parseCount, parseInteger } from './global.js';
import { alignColumns, formatTable } from './list.js';
import { parseSignal } from '../api/signals.js';

describe('parseSignal', () => {
  it('takes names with or without SIG, in any case, and numbers', () => {
    expect(parseSignal('SIGKILL')).toBe(9);
    expect(parseSignal('KILL')).toBe(9);
    expect(parseSignal('term')).toBe(15);
    expect(parseSignal('9')).toBe(9);
    expect(parseSignal('SIGRTMIN')).toBe(34);
    expect(parseSignal('RTMIN+2')).toBe(36);
    expect(parseSignal('SIGRTMAX')).toBe(64);
  });

  it('refuses what is not a signal', () => {
    expect(() => parseSignal('SIGNOPE')).toThrow('invalid signal: SIGNOPE');
    expect(() => parseSignal('0')).toThrow('invalid signal: 0');
    expect(() => parseSignal('65')).toThrow('invalid signal: 65');
    expect(() => parseSignal('-9')).toThrow('invalid signal: -9');
  });
});

describe('option parsers', () => {
  it('reads sizes as runc does (powers of 1024)', () => {
    expect(parseBytes('4096')).toBe(4096);
    expect(parseBytes('64m')).toBe(64 * 2 ** 20);
    expect(parseBytes('2G')).toBe(2 * 2 ** 30);
    expect(() => parseBytes('lots')).toThrow('not a size');
  });

  it('reads counts and integers', () => {
    expect(parseCount('3')).toBe(3);
    expect(() => parseCount('-1')).toThrow();
    expect(parseInteger('-1')).toBe(-1);
    expect(() => parseInteger('1.5')).toThrow();
  });

  it('reads Go durations', () => {
    expect(parseDuration('5s')).toBe(5000);
    expect(parseDuration('250ms')).toBe(250);
    expect(parseDuration('1m30s')).toBe(90_000);
    expect(() => parseDuration('5')).toThrow('not a duration');
    expect(() => parseDuration('0s')).toThrow('must be positive');
  });
});

describe('list table', () => {
  it('aligns columns as runc (at least 12 wide, 3 spaces of padding)', () => {
    expect(alignColumns([['ID', 'PID'], ['a-long-container-id', '7']])).toBe('ID                    PID\na-long-container-id   7\n');
  });

  it('has runc columns and shows root as the owner', () => {
    const table = formatTable([
      { ociVersion: '1.0.2', id: 'c1', status: 'running', pid: 42, bundle: '/b', rootfs: '/b/rootfs', created: '2026-01-01T00:00:00Z', annotations: {}, owner: '', sandbox: 's' },
    ]);
    const [header, row] = table.split('\n');
    expect(header!.split(/\s+/)).toEqual(['ID', 'PID', 'STATUS', 'BUNDLE', 'CREATED', 'OWNER']);
    expect(row!.split(/\s+/)).toEqual(['c1', '42', 'running', '/b', '2026-01-01T00:00:00Z', 'root']);
  });
});
