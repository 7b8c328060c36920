import { describe, expect, it } from 'vitest';
import { ManualClock } from './clock.js';
import { Executor } from './executor.js';
import { RunLoop } from './run-loop.js';
import { TimerQueue } from './timer-queue.js';
import { WaitQueue } from './wait-queue.js';

describe('Executor', () => {
  it('reports escaped errors, sync or async, to the handler', async () => {
    const errors: [unknown, string][] = [];
    const ex = new Executor({ onError: (e, n) => errors.push([e, n]) });
    const a = ex.spawn(async () => {
      await Promise.resolve();
      throw new Error('async');
    }, 'a');
    const b = ex.spawn(() => {
      throw new Error('sync');
    }, 'b');
    expect(ex.liveTasks).toBe(2);
    await Promise.all([a.done, b.done]);
    expect(errors.map(([e, n]) => `${n}:${(e as Error).message}`).sort()).toEqual(['a:async', 'b:sync']);
    expect(ex.liveTasks).toBe(0);
  });

  it('drain runs chains of continuations woken by a wait queue', async () => {
    const ex = new Executor();
    const q = new WaitQueue<number>();
    const log: number[] = [];
    const nested = async (v: number): Promise<number> => {
      await Promise.resolve();
      return (async () => v * 2)();
    };
    ex.spawn(async () => {
      const v = await q.wait();
      log.push(await nested(v));
      log.push(await nested(await q.wait()));
    });
    await ex.drain();
    expect(log).toEqual([]);
    q.wakeOne(1);
    await ex.drain();
    expect(log).toEqual([2]);
    q.wakeOne(5);
    await ex.drain();
    expect(log).toEqual([2, 10]);
    expect(ex.liveTasks).toBe(0);
  });

  it('yieldNow lets other ready tasks run', async () => {
    const ex = new Executor();
    const log: string[] = [];
    ex.spawn(async () => {
      log.push('a1');
      await ex.yieldNow();
      log.push('a2');
    });
    ex.spawn(async () => {
      log.push('b1');
    });
    await ex.drain();
    expect(log).toEqual(['a1', 'b1', 'a2']);
  });
});

describe('RunLoop', () => {
  it('blocks until the next deadline, then fires due timers', async () => {
    const clock = new ManualClock();
    const timers = new TimerQueue(clock);
    const ex = new Executor();
    const waits: number[] = [];
    const loop = new RunLoop(
      {
        waitForEvents(timeoutNs) {
          waits.push(timeoutNs);
          if (timeoutNs > 0) clock.advance(timeoutNs);
        },
      },
      timers,
      ex,
    );
    expect(loop.timeoutNs()).toBe(-1);
    const log: string[] = [];
    ex.spawn(async () => {
      await timers.sleep(1000);
      log.push('slept 1000');
      await timers.sleep(500);
      log.push('slept 500');
    });
    await loop.runUntil(() => log.length === 2);
    expect(log).toEqual(['slept 1000', 'slept 500']);
    expect(waits).toEqual([1000, 500]);
    expect(clock.now()).toBe(1500n);
  });

  it('step passes -1 when no timer is pending', () => {
    const waits: number[] = [];
    const loop = new RunLoop({ waitForEvents: (t) => void waits.push(t) }, new TimerQueue(new ManualClock()));
    expect(loop.step()).toBe(0);
    expect(waits).toEqual([-1]);
  });
});
