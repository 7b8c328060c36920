export { IPC_PRIVATE, SHM_DEST, SHMMAX, SHMMNI, SHM_EXECUTE, SHM_READ, SHM_WRITE, ShmSegment, SysvShm } from './shm.js';
