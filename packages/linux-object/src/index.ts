export * from './errno.js';
export * from './abi/index.js';
export * from './fs/index.js';
export * from './elf/index.js';
export * from './process/index.js';
export { fillRandom } from './random.js';
