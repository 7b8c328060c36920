export {
  IPC_64, IPC_CREAT, IPC_EXCL, IPC_EXECUTE, IPC_INFO, IPC_NOWAIT, IPC_PRIVATE, IPC_READ, IPC_RMID, IPC_SET, IPC_STAT,
  IPC_WRITE, IpcPerm, requestedAccess,
} from './perm.js';
export { IpcTable } from './table.js';
export { SHM_DEST, SHMMAX, SHMMNI, ShmSegment, SysvShm } from './shm.js';
export { SEM_UNDO, SEMMNI, SEMMSL, SEMOPM, SEMVMX, SemSet, SysvSem, type SemOp } from './sem.js';
export { MSG_EXCEPT, MSG_NOERROR, MSGMAX, MSGMNB, MSGMNI, MsgQueue, SysvMsg, type Message } from './msg.js';
