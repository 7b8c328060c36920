import { describe, expect, it } from 'vitest';
import { PendingSignals, sigbit, type SigInfo } from './signals.js';

const SIGUSR1 = 10;
const SIGUSR2 = 12;
const SIGRT = 34;

describe('pending signals', () => {
  it('keep a standard signal once and queue each real-time one, with its siginfo', () => {
    const p = new PendingSignals();
    expect(p.add({ signo: SIGUSR1, code: 0, pid: 1 })).toBe(true);
    expect(p.add({ signo: SIGUSR1, code: 0, pid: 2 })).toBe(false);
    for (const value of [1n, 2n, 3n]) p.add({ signo: SIGRT, code: -1, value });
    expect(p.size).toBe(4);
    expect(p.mask).toBe(sigbit(SIGUSR1) | sigbit(SIGRT));
    const all = sigbit(SIGUSR1) | sigbit(SIGRT);
    const taken = [p.take(all), p.take(all), p.take(all), p.take(all), p.take(all)];
    expect(taken.map((i) => i && [i.signo, i.pid ?? i.value])).toEqual([[SIGUSR1, 1], [SIGRT, 1n], [SIGRT, 2n], [SIGRT, 3n], undefined]);
    expect(p.size).toBe(0);
  });

  it('are taken lowest number first, only from the set asked', () => {
    const p = new PendingSignals();
    p.add({ signo: SIGUSR2, code: 0 });
    p.add({ signo: SIGUSR1, code: 0 });
    expect(p.take(sigbit(SIGUSR2))?.signo).toBe(SIGUSR2);
    expect(p.take(sigbit(SIGUSR2))).toBeUndefined();
    expect(p.take(~0n)?.signo).toBe(SIGUSR1);
  });

  it('remove one instance, or every instance of a signal', () => {
    const p = new PendingSignals();
    const mine: SigInfo = { signo: SIGRT, code: -2 };
    p.add({ signo: SIGRT, code: -1 });
    p.add(mine);
    expect(p.includes(mine)).toBe(true);
    expect(p.remove(mine)).toBe(true);
    expect(p.remove(mine)).toBe(false);
    expect(p.size).toBe(1);
    p.put({ signo: SIGUSR1, code: 0, pid: 1 });
    p.put({ signo: SIGUSR1, code: 0, pid: 2 });
    expect(p.size).toBe(2);
    p.delete(SIGRT);
    expect(p.take(~0n)?.pid).toBe(2);
  });
});
