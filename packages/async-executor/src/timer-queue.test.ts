import { describe, expect, it } from 'vitest';
import { ManualClock } from './clock.js';
import { TimerQueue } from './timer-queue.js';
import { Executor } from './executor.js';

describe('TimerQueue', () => {
  it('fires sleepers in deadline order, only when due', async () => {
    const clock = new ManualClock();
    const timers = new TimerQueue(clock);
    const order: string[] = [];
    void timers.sleepUntil(300n).then(() => order.push('c'));
    void timers.sleepUntil(100n).then(() => order.push('a'));
    void timers.sleep(200).then(() => order.push('b'));
    expect(timers.nextDeadline()).toBe(100n);
    expect(timers.timeoutNs()).toBe(100);

    expect(timers.fireDue()).toBe(0);
    clock.advance(250);
    expect(timers.fireDue()).toBe(2);
    await new Executor().drain();
    expect(order).toEqual(['a', 'b']);
    expect(timers.nextDeadline()).toBe(300n);
    expect(timers.fireDue(1000n)).toBe(1);
    await new Executor().drain();
    expect(order).toEqual(['a', 'b', 'c']);
    expect(timers.nextDeadline()).toBeNull();
    expect(timers.timeoutNs()).toBe(-1);
  });

  it('keeps insertion order for equal deadlines', () => {
    const timers = new TimerQueue(new ManualClock());
    const order: number[] = [];
    for (let i = 0; i < 10; i++) timers.add(5n, () => order.push(i));
    timers.fireDue(5n);
    expect(order).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it('stays a heap under random insertions and cancellations', () => {
    const timers = new TimerQueue(new ManualClock());
    const fired: bigint[] = [];
    const handles = [];
    let x = 12345;
    for (let i = 0; i < 500; i++) {
      x = (x * 1103515245 + 12345) % 2147483648;
      const d = BigInt(x % 1000);
      handles.push(timers.add(d, () => fired.push(d)));
    }
    for (let i = 0; i < 500; i += 3) expect(handles[i].cancel()).toBe(true);
    expect(handles[0].cancel()).toBe(false);
    timers.fireDue(10_000n);
    expect(fired.length).toBe(500 - 167);
    expect([...fired].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))).toEqual(fired);
  });

  it('rejects with the abort reason and leaves the queue', async () => {
    const timers = new TimerQueue(new ManualClock());
    const ac = new AbortController();
    const p = timers.sleep(10, ac.signal);
    expect(timers.size).toBe(1);
    ac.abort(new Error('interrupted'));
    await expect(p).rejects.toThrow('interrupted');
    expect(timers.size).toBe(0);
    await expect(timers.sleep(1, ac.signal)).rejects.toThrow('interrupted');
  });

  it('reports a zero timeout for an overdue deadline', () => {
    const clock = new ManualClock(1000n);
    const timers = new TimerQueue(clock);
    timers.add(10n, () => {});
    expect(timers.timeoutNs()).toBe(0);
  });
});
