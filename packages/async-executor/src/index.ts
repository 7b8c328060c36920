/**
 * Tasks, wait queues, timers and the run loop of the rVisor-ts kernel.
 *
 * @packageDocumentation
 */
export { ManualClock, monotonicClock } from './clock.js';
export type { Clock } from './clock.js';
export { AbortScope } from './abort-scope.js';
export { TimerQueue, abortReason } from './timer-queue.js';
export type { Timer } from './timer-queue.js';
export { WaitQueue, TIMED_OUT } from './wait-queue.js';
export type { WaitOptions } from './wait-queue.js';
export { Executor } from './executor.js';
export type { ExecutorOptions, Task, TaskErrorHandler } from './executor.js';
export { markProgress, progressEpoch } from './progress.js';
export { RunLoop } from './run-loop.js';
export type { EventSource } from './run-loop.js';
