/**
 * System V message queues: the queues of one container. A queue holds typed messages up to its
 * byte limit; msgsnd waits while the queue is full, msgrcv while no message matches.
 *
 * @module
 */
import { WaitQueue } from '@rvisor/async-executor';
import type { Credentials } from '../process/process.js';
import { IPC_PRIVATE, IpcPerm } from './perm.js';
import { IpcTable } from './table.js';

/** Largest message (MSGMAX), default queue size in bytes (MSGMNB), most queues (MSGMNI), as Linux's defaults. */
export const MSGMAX = 8192;
export const MSGMNB = 16384;
export const MSGMNI = 32000;
/** msgrcv's flags: take the first message not of the type; truncate a message too long. */
export const MSG_EXCEPT = 0o20000;
export const MSG_NOERROR = 0o10000;

/** One message: its type (> 0) and bytes. */
export interface Message {
  readonly type: bigint;
  readonly text: Uint8Array;
}

/** One message queue. */
export class MsgQueue extends IpcPerm {
  readonly messages: Message[] = [];
  /** Bytes of the messages held, and the most the queue may hold (msg_qbytes). */
  bytes = 0;
  maxBytes = MSGMNB;
  /** The pids of the last msgsnd and msgrcv, and when they and the last change were (s since the epoch). */
  lspid = 0;
  lrpid = 0;
  stime = 0;
  rtime = 0;
  ctime: number;
  /** Set once IPC_RMID removed it: its waiters fail with EIDRM. */
  removed = false;
  /** Woken whenever a message comes or goes, the limit changes or the queue is removed. */
  readonly changed = new WaitQueue();

  constructor(readonly id: number, key: number, mode: number, cred: Credentials, now: number) {
    super(key, mode, cred);
    this.ctime = now;
  }

  /** Queue `text` with `type` if it fits (true), else leave the queue as it is (false). */
  trySend(type: bigint, text: Uint8Array, pid: number, now: number): boolean {
    if (this.bytes + text.length > this.maxBytes) return false;
    this.messages.push({ type, text });
    this.bytes += text.length;
    this.lspid = pid;
    this.stime = now;
    this.changed.wakeAll();
    return true;
  }

  /**
   * The index of the first message msgrcv's `type` selects: any (0), that type (> 0; with
   * MSG_EXCEPT any other), or the lowest type up to -type (< 0). -1 if none.
   */
  find(type: bigint, except: boolean): number {
    if (type === 0n) return this.messages.length > 0 ? 0 : -1;
    if (type > 0n) return this.messages.findIndex((m) => (m.type === type) !== except);
    let best = -1;
    for (let i = 0; i < this.messages.length; i++) {
      const t = this.messages[i]!.type;
      if (t <= -type && (best < 0 || t < this.messages[best]!.type)) best = i;
    }
    return best;
  }

  /** Take message `index` out of the queue. */
  take(index: number, pid: number, now: number): Message {
    const [m] = this.messages.splice(index, 1);
    this.bytes -= m!.text.length;
    this.lrpid = pid;
    this.rtime = now;
    this.changed.wakeAll();
    return m!;
  }
}

/** The message queues of a container. */
export class SysvMsg extends IpcTable<MsgQueue> {
  constructor() {
    super(MSGMNI);
  }

  /** msgget: the queue `key` names, or a new one. */
  get(key: number, create: boolean, exclusive: boolean, mode: number, cred: Credentials, now: number): MsgQueue {
    return this.obtain(key, create, exclusive, mode, cred, () => {}, (id) => new MsgQueue(id, key, mode, cred, now));
  }

  /** IPC_RMID: the queue and its messages go, and its waiters fail with EIDRM. */
  remove(q: MsgQueue): void {
    this.delete(q);
    q.removed = true;
    q.key = IPC_PRIVATE;
    q.changed.wakeAll();
  }
}
