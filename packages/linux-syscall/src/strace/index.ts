export { formatCall, formatEnter } from './format.js';
export type { StraceOptions, StraceThread } from './format.js';
export type { StraceMemory } from './args.js';
export { straceMemory } from './guest-memory.js';
