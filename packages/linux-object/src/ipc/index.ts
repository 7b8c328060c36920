export {
  IPC_64, IPC_CREAT, IPC_EXCL, IPC_EXECUTE, IPC_INFO, IPC_NOWAIT, IPC_PRIVATE, IPC_READ, IPC_RMID, IPC_SET, IPC_STAT,
  IPC_WRITE, IpcPerm, requestedAccess,
} from './perm.js';
export { IpcTable } from './table.js';
export { SHM_DEST, SHMMAX, SHMMNI, ShmSegment, SysvShm } from './shm.js';
export { SEM_UNDO, SEMMNI, SEMMSL, SEMOPM, SEMVMX, SemSet, SysvSem, type SemOp } from './sem.js';
export { MSG_EXCEPT, MSG_NOERROR, MSGMAX, MSGMNB, MSGMNI, MsgQueue, SysvMsg, type Message } from './msg.js';
export {
  MQ_HARD_MSGMAX, MQ_HARD_MSGSIZEMAX, MQ_MSG_DEFAULT, MQ_MSG_MAX, MQ_MSGSIZE_DEFAULT, MQ_MSGSIZE_MAX, MQ_PRIO_MAX, MQ_QUEUES_MAX,
  MessageQueue, MessageQueueFile, MessageQueues, NOTIFY_COOKIE_LEN, SIGEV_NONE, SIGEV_SIGNAL, SIGEV_THREAD,
  type MqAttributes, type MqCreator, type MqNotification,
} from './mqueue.js';
export { MQUEUE_MAGIC, MqueueFs } from './mqueue-fs.js';
