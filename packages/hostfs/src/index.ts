/**
 * `@rvisor/hostfs`: a file system over a host directory for rVisor-ts' VFS, confined to that
 * directory by fd-relative host calls.
 *
 * @module
 */
export type { HostOps } from './host-ops.js';
export type { HostFsOptions } from './host-fs.js';
export type { FileMemory } from './shared-pages.js';
export { HostFs } from './host-fs.js';
export { HostFileMount } from './host-file-mount.js';
export { HostDirectory, HostLeaf } from './host-inode.js';
export { HostDirectoryFile, HostRegularFile } from './host-files.js';
export { hostResult } from './host-errors.js';
export type { HostTarget } from './host-attrs.js';
export { fdTarget, setHostAttr } from './host-attrs.js';
