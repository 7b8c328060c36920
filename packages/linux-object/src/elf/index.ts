export { ElfError, ArgListTooLongError } from './error.js';
export { parseElf, elfHeaderSpan } from './parse.js';
export type { ElfImage, ElfLoadSegment, ElfTls } from './parse.js';
export { layoutElf, elfLoadSpan } from './layout.js';
export type { ElfLayout, ElfMapping } from './layout.js';
export { AuxType, standardAuxv } from './auxv.js';
export type { AuxEntry, AuxTypeValue, StandardAuxvOptions } from './auxv.js';
export { buildInitialStack } from './stack.js';
export type { InitialStack, InitialStackOptions } from './stack.js';
