import { ManualClock, TimerQueue } from '@rvisor/async-executor';
import { describe, expect, it } from 'vitest';
import { IntervalTimer, monotonicTimerClock, type TimerClock } from './interval-timer.js';

/** A clock that runs at `rate` of the kernel's, as a CPU clock of a thread that runs part of the time. */
function slowClock(kernel: ManualClock, rate: number): TimerClock {
  const now = () => BigInt(Math.floor(Number(kernel.now()) * rate));
  return { now, lookAt: (deadline, at) => kernel.now() + (deadline - at), live: () => true };
}

describe('IntervalTimer', () => {
  it('expires once at its deadline on the kernel clock, and reports what is left', () => {
    const clock = new ManualClock();
    const timers = new TimerQueue(clock);
    const fired: number[] = [];
    const t = new IntervalTimer(timers, monotonicTimerClock(timers), (n) => (fired.push(n), true));
    t.arm(1000n, 0n);
    clock.advance(400);
    expect(t.remaining()).toEqual({ value: 600n, interval: 0n });
    timers.fireDue();
    expect(fired).toEqual([]);
    clock.advance(600);
    timers.fireDue();
    expect(fired).toEqual([0]);
    expect(t.remaining()).toEqual({ value: 0n, interval: 0n });
  });

  it('counts the periods a late expiry skipped as overruns, and re-arms past now', () => {
    const clock = new ManualClock();
    const timers = new TimerQueue(clock);
    const fired: number[] = [];
    const t = new IntervalTimer(timers, monotonicTimerClock(timers), (n) => (fired.push(n), true));
    t.arm(2_000_000n, 2_000_000n);
    clock.advance(9_000_000); // expiries due at 2, 4, 6 and 8 ms
    timers.fireDue();
    expect(fired).toEqual([3]);
    expect(t.remaining()).toEqual({ value: 1_000_000n, interval: 2_000_000n });
  });

  it('looks again until a slower clock reaches the deadline', () => {
    const kernel = new ManualClock();
    const timers = new TimerQueue(kernel);
    const fired: number[] = [];
    const t = new IntervalTimer(timers, slowClock(kernel, 0.5), (n) => (fired.push(n), true));
    t.arm(1000n, 0n);
    kernel.advance(1000);
    timers.fireDue(); // the clock reads 500: not yet
    expect(fired).toEqual([]);
    expect(timers.nextDeadline()).toBe(1500n);
    kernel.advance(1000);
    timers.fireDue();
    expect(fired).toEqual([0]);
  });

  it('does not re-arm a timer its own expiry disarmed, nor one whose clock is gone', () => {
    const clock = new ManualClock();
    const timers = new TimerQueue(clock);
    let t: IntervalTimer | undefined;
    t = new IntervalTimer(timers, monotonicTimerClock(timers), () => (t!.disarm(), true));
    t.arm(10n, 10n);
    clock.advance(10);
    timers.fireDue();
    expect(timers.size).toBe(0);
    let live = true;
    const gone: TimerClock = { ...monotonicTimerClock(timers), live: () => live };
    const fired: number[] = [];
    const u = new IntervalTimer(timers, gone, (n) => (fired.push(n), true));
    u.arm(clock.now() + 10n, 0n);
    live = false;
    clock.advance(10);
    timers.fireDue();
    expect(fired).toEqual([]);
    expect(timers.size).toBe(0);
  });

  it('keeps the interval given with a 0 deadline, and disarm forgets it', () => {
    const timers = new TimerQueue(new ManualClock());
    const t = new IntervalTimer(timers, monotonicTimerClock(timers), () => true);
    t.arm(0n, 5n);
    expect(t.remaining()).toEqual({ value: 0n, interval: 5n });
    t.disarm();
    expect(t.remaining()).toEqual({ value: 0n, interval: 0n });
  });
});
