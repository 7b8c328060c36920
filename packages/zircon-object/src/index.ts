/**
 * Zircon-style kernel objects for rVisor-ts: handles and rights, jobs, processes and threads,
 * VMOs and VMARs over physical memory, and an in-memory platform for tests.
 *
 * @packageDocumentation
 */
export { PAGE_SIZE, Reg, REG_COUNT, StopKind } from './platform.js';
export type { PhysicalMemory, Registers, StopEvent, InjectedSyscall, Platform, PlatformCounters, GuestTime } from './platform.js';

export { ZxStatus, ZxError, PageFaultError, statusName } from './status.js';
export { Rights, hasRights } from './rights.js';
export { KObject, Signal, MAX_NAME_LEN } from './object.js';
export type { Signals } from './object.js';
export { Handle, HandleTable } from './handle.js';
export type { HandleValue, KObjectClass } from './handle.js';
export { Job, Process, Thread, ProcessState, ThreadState, TASK_RETCODE_SYSCALL_KILL } from './task.js';
export type { ProcessOptions } from './task.js';
export { PmemAllocator, MemoryAccount, pageRoundUp, isPageAligned, RECYCLE_MAX } from './pmem-allocator.js';
export type { PmemAllocatorOptions } from './pmem-allocator.js';
export { Vmo } from './vmo.js';
export type { VmoBacking, VmoCreateOptions, VmoOrigin, VmoResizeResult, VmoSource } from './vmo.js';
export { Vmar, Prot, HostSyscall, RESERVED_CHUNK, LAZY_COPY_MIN } from './vmar.js';
export { Sharers } from './sharers.js';
export type { VmarOptions, MapOptions, MappingInfo, ReserveOptions, AddressRange } from './vmar.js';
export { bytesToString, stringToBytes, stringBytesInto, utf8ByteString } from './byte-string.js';
export { FakePlatform, FakePhysicalMemory } from './fake-platform.js';
export type { FakeStopEvent, FakeResume } from './fake-platform.js';
