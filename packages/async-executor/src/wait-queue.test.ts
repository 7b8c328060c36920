import { describe, expect, it } from 'vitest';
import { ManualClock } from './clock.js';
import { Executor } from './executor.js';
import { TimerQueue } from './timer-queue.js';
import { TIMED_OUT, WaitQueue } from './wait-queue.js';

const drain = (): Promise<void> => new Executor().drain();

describe('WaitQueue', () => {
  it('wakes waiters in FIFO order with the given value', async () => {
    const q = new WaitQueue<number>();
    const got: string[] = [];
    void q.wait().then((v) => got.push(`a${v}`));
    void q.wait().then((v) => got.push(`b${v}`));
    void q.wait().then((v) => got.push(`c${v}`));
    expect(q.size).toBe(3);
    expect(q.wakeOne(1)).toBe(true);
    await drain();
    expect(got).toEqual(['a1']);
    expect(q.wakeN(5, 2)).toBe(2);
    await drain();
    expect(got).toEqual(['a1', 'b2', 'c2']);
    expect(q.wakeOne(3)).toBe(false);
    expect(q.wakeAll(3)).toBe(0);
  });

  it('removes an aborted waiter so it does not absorb a wake-up', async () => {
    const q = new WaitQueue();
    const ac = new AbortController();
    const first = q.wait(ac.signal);
    let secondWoken = false;
    void q.wait().then(() => (secondWoken = true));
    ac.abort(new Error('EINTR'));
    await expect(first).rejects.toThrow('EINTR');
    expect(q.size).toBe(1);
    expect(q.wakeOne()).toBe(true);
    await drain();
    expect(secondWoken).toBe(true);
  });

  it('times out at the deadline and leaves the queue', async () => {
    const clock = new ManualClock();
    const timers = new TimerQueue(clock);
    const q = new WaitQueue<string>(timers);
    const p = q.wait({ deadline: 50n });
    expect(timers.nextDeadline()).toBe(50n);
    clock.advance(50);
    timers.fireDue();
    await expect(p).resolves.toBe(TIMED_OUT);
    expect(q.size).toBe(0);
  });

  it('cancels the deadline timer when woken first', async () => {
    const timers = new TimerQueue(new ManualClock());
    const q = new WaitQueue<string>(timers);
    const p = q.wait({ deadline: 50n });
    q.wakeOne('data');
    await expect(p).resolves.toBe('data');
    expect(timers.size).toBe(0);
  });

  it('refuses a deadline without a TimerQueue', () => {
    expect(() => new WaitQueue().wait({ deadline: 1n })).toThrow(TypeError);
  });

  it('waitUntil re-checks its predicate after each wake-up', async () => {
    const q = new WaitQueue();
    let level = 0;
    let done = false;
    void q.waitUntil(() => level >= 2).then(() => (done = true));
    level = 1;
    q.wakeAll();
    await drain();
    expect(done).toBe(false);
    expect(q.size).toBe(1);
    level = 2;
    q.wakeAll();
    await drain();
    expect(done).toBe(true);
  });

  it('waitUntil returns TIMED_OUT when the deadline passes first', async () => {
    const clock = new ManualClock();
    const timers = new TimerQueue(clock);
    const q = new WaitQueue(timers);
    const p = q.waitUntil(() => false, { deadline: 10n });
    timers.fireDue(10n);
    await expect(p).resolves.toBe(TIMED_OUT);
  });

  it('requeue moves waiters without waking them; their timeouts follow', async () => {
    const timers = new TimerQueue(new ManualClock());
    const a = new WaitQueue<number>(timers);
    const b = new WaitQueue<number>(timers);
    const p1 = a.wait({ deadline: 100n });
    const p2 = a.wait();
    expect(a.requeue(b, 1)).toBe(1);
    expect(a.size).toBe(1);
    expect(b.size).toBe(1);
    timers.fireDue(100n);
    await expect(p1).resolves.toBe(TIMED_OUT);
    expect(b.size).toBe(0);
    a.wakeOne(7);
    await expect(p2).resolves.toBe(7);
  });
});
