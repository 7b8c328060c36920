export { IPC_EXECUTE, IPC_PRIVATE, IPC_READ, IPC_WRITE, IpcPerm, requestedAccess } from './perm.js';
export { SHM_DEST, SHMMAX, SHMMNI, ShmSegment, SysvShm } from './shm.js';
export { IPC_NOWAIT, SEM_UNDO, SEMMNI, SEMMSL, SEMOPM, SEMVMX, SemSet, SysvSem, type SemOp } from './sem.js';
export { MSG_EXCEPT, MSG_NOERROR, MSGMAX, MSGMNB, MSGMNI, MsgQueue, SysvMsg, type Message } from './msg.js';
