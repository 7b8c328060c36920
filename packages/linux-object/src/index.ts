export * from './errno.js';
export * from './abi/index.js';
export * from './fs/index.js';
export * from './elf/index.js';
export * from './process/index.js';
export { fillRandom } from './random.js';
// Names and paths are byte strings (one char per byte), as zircon-object reads them from guests.
export { bytesToString, stringToBytes, stringBytesInto, utf8ByteString } from '@rvisor/zircon-object';
export * from './ipc/index.js';
export * from './net/index.js';
