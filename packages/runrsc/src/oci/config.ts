/**
 * OCI bundles: reading and checking `config.json` (runtime-spec 1.0). Every problem is reported
 * as one line naming the file and the field, before anything is started.
 *
 * @module
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { RLIMIT_NAMES } from '@rvisor/linux-object/abi';
import type { LinuxResources, OciProcess } from '../api/types.js';
import type { OciHook } from './hooks.js';

export type { OciHook };

/** The parts of an OCI runtime spec the runtime reads. */
export interface OciSpec {
  ociVersion: string;
  process: OciProcess;
  root: { path: string; readonly?: boolean };
  hostname?: string;
  mounts?: { destination: string; type?: string; source?: string; options?: string[] }[];
  annotations?: Record<string, string>;
  hooks?: OciHooks;
  linux?: {
    resources?: LinuxResources;
    namespaces?: { type: string; path?: string }[];
    maskedPaths?: string[];
    readonlyPaths?: string[];
  };
}

/** config.json's `hooks`. */
export interface OciHooks {
  prestart?: OciHook[];
  createRuntime?: OciHook[];
  createContainer?: OciHook[];
  startContainer?: OciHook[];
  poststart?: OciHook[];
  poststop?: OciHook[];
}

/** A bundle that passed the checks. */
export interface Bundle {
  dir: string;
  spec: OciSpec;
  /** The absolute rootfs directory. */
  rootfs: string;
}

/** A problem with a bundle: `message` is the one line to show. */
export class BundleError extends Error {}

type Json = unknown;

function fail(file: string, field: string, what: string): never {
  throw new BundleError(`${file}: ${field}: ${what}`);
}

function isObject(v: Json): v is Record<string, Json> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isUint32(v: Json): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 0xffff_ffff;
}

function stringArray(file: string, field: string, v: Json, nonEmpty = false): string[] {
  if (!Array.isArray(v) || !v.every((s) => typeof s === 'string')) fail(file, field, 'must be an array of strings');
  if (nonEmpty && v.length === 0) fail(file, field, 'must not be empty');
  return v as string[];
}

/** Read `<dir>/config.json` and check the fields the runtime uses. */
export function loadBundle(dir: string): Bundle {
  const bundle = resolve(dir);
  const file = join(bundle, 'config.json');
  if (!existsSync(file)) throw new BundleError(`${file}: no such file (is ${bundle} an OCI bundle?)`);
  let raw: Json;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new BundleError(`${file}: invalid JSON: ${(err as Error).message}`);
  }
  if (!isObject(raw)) fail(file, '(top level)', 'must be an object');
  if (typeof raw.ociVersion !== 'string') fail(file, 'ociVersion', 'must be a string');
  const proc = raw.process;
  if (!isObject(proc)) fail(file, 'process', 'must be an object');
  stringArray(file, 'process.args', proc.args, true);
  if (proc.env !== undefined) stringArray(file, 'process.env', proc.env);
  if (typeof proc.cwd !== 'string' || !proc.cwd.startsWith('/')) fail(file, 'process.cwd', 'must be an absolute path');
  const user = proc.user;
  if (!isObject(user)) fail(file, 'process.user', 'must be an object');
  if (!isUint32(user.uid)) fail(file, 'process.user.uid', 'must be an integer from 0 to 4294967295');
  if (!isUint32(user.gid)) fail(file, 'process.user.gid', 'must be an integer from 0 to 4294967295');
  if (user.additionalGids !== undefined && !(Array.isArray(user.additionalGids) && user.additionalGids.every(isUint32))) {
    fail(file, 'process.user.additionalGids', 'must be an array of group ids');
  }
  if (proc.terminal !== undefined && typeof proc.terminal !== 'boolean') fail(file, 'process.terminal', 'must be a boolean');
  if (proc.rlimits !== undefined) {
    if (!Array.isArray(proc.rlimits)) fail(file, 'process.rlimits', 'must be an array');
    proc.rlimits.forEach((r: Json, i: number) => {
      if (!isObject(r) || typeof r.type !== 'string' || typeof r.hard !== 'number' || typeof r.soft !== 'number') {
        fail(file, `process.rlimits[${i}]`, 'must be {type: string, hard: number, soft: number}');
      }
      if (!(RLIMIT_NAMES as readonly string[]).includes(r.type as string)) fail(file, `process.rlimits[${i}].type`, `unknown resource ${JSON.stringify(r.type)}`);
      if ((r.soft as number) > (r.hard as number)) fail(file, `process.rlimits[${i}]`, 'soft must not be above hard');
    });
  }
  const root = raw.root;
  if (!isObject(root)) fail(file, 'root', 'must be an object');
  if (typeof root.path !== 'string' || root.path === '') fail(file, 'root.path', 'must be a non-empty string');
  if (root.readonly !== undefined && typeof root.readonly !== 'boolean') fail(file, 'root.readonly', 'must be a boolean');
  const rootfs = isAbsolute(root.path) ? root.path : join(bundle, root.path);
  if (!existsSync(rootfs) || !statSync(rootfs).isDirectory()) fail(file, 'root.path', `${rootfs} is not a directory`);
  if (raw.hostname !== undefined && typeof raw.hostname !== 'string') fail(file, 'hostname', 'must be a string');
  if (raw.mounts !== undefined) {
    if (!Array.isArray(raw.mounts)) fail(file, 'mounts', 'must be an array');
    raw.mounts.forEach((m: Json, i: number) => {
      if (!isObject(m) || typeof m.destination !== 'string' || !m.destination.startsWith('/')) {
        fail(file, `mounts[${i}].destination`, 'must be an absolute path');
      }
      if (m.type !== undefined && typeof m.type !== 'string') fail(file, `mounts[${i}].type`, 'must be a string');
      if (m.source !== undefined && typeof m.source !== 'string') fail(file, `mounts[${i}].source`, 'must be a string');
      if (m.options !== undefined) stringArray(file, `mounts[${i}].options`, m.options);
    });
  }
  if (raw.annotations !== undefined) {
    if (!isObject(raw.annotations) || !Object.values(raw.annotations).every((v) => typeof v === 'string')) {
      fail(file, 'annotations', 'must be an object of strings');
    }
  }
  if (raw.hooks !== undefined) checkHooks(file, raw.hooks);
  if (raw.linux !== undefined) checkLinux(file, raw.linux);
  return { dir: bundle, spec: raw as unknown as OciSpec, rootfs };
}

function checkHooks(file: string, hooks: Json): void {
  if (!isObject(hooks)) fail(file, 'hooks', 'must be an object');
  for (const [phase, list] of Object.entries(hooks)) {
    if (!Array.isArray(list)) fail(file, `hooks.${phase}`, 'must be an array');
    list.forEach((h: Json, i: number) => {
      const field = `hooks.${phase}[${i}]`;
      if (!isObject(h) || typeof h.path !== 'string' || !h.path.startsWith('/')) fail(file, `${field}.path`, 'must be an absolute path');
      if (h.args !== undefined) stringArray(file, `${field}.args`, h.args);
      if (h.env !== undefined) stringArray(file, `${field}.env`, h.env);
      if (h.timeout !== undefined && !(Number.isInteger(h.timeout) && (h.timeout as number) > 0)) fail(file, `${field}.timeout`, 'must be a positive integer');
    });
  }
}

function checkLinux(file: string, linux: Json): void {
  if (!isObject(linux)) fail(file, 'linux', 'must be an object');
  for (const key of ['maskedPaths', 'readonlyPaths'] as const) {
    if (linux[key] !== undefined) stringArray(file, `linux.${key}`, linux[key]);
  }
  if (linux.namespaces !== undefined) {
    if (!Array.isArray(linux.namespaces)) fail(file, 'linux.namespaces', 'must be an array');
    linux.namespaces.forEach((n: Json, i: number) => {
      if (!isObject(n) || typeof n.type !== 'string') fail(file, `linux.namespaces[${i}].type`, 'must be a string');
    });
  }
  const res = linux.resources;
  if (res !== undefined) {
    if (!isObject(res)) fail(file, 'linux.resources', 'must be an object');
    const num = (group: string, key: string) => {
      const g = res[group];
      if (g === undefined) return;
      if (!isObject(g)) fail(file, `linux.resources.${group}`, 'must be an object');
      if (g[key] !== undefined && typeof g[key] !== 'number') fail(file, `linux.resources.${group}.${key}`, 'must be a number');
    };
    num('memory', 'limit');
    num('pids', 'limit');
    num('cpu', 'shares');
    num('cpu', 'quota');
    num('cpu', 'period');
  }
}

/** runc's default spec (`runc spec`), trimmed to what this runtime reads, running `sh`. */
export function defaultSpec(): OciSpec {
  return {
    ociVersion: '1.0.2',
    process: {
      terminal: true,
      user: { uid: 0, gid: 0 },
      args: ['sh'],
      env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'TERM=xterm'],
      cwd: '/',
      rlimits: [{ type: 'RLIMIT_NOFILE', hard: 1024, soft: 1024 }],
      noNewPrivileges: true,
    },
    root: { path: 'rootfs', readonly: true },
    hostname: 'runrsc',
    mounts: [
      { destination: '/proc', type: 'proc', source: 'proc' },
      { destination: '/dev', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'strictatime', 'mode=755', 'size=65536k'] },
      { destination: '/dev/pts', type: 'devpts', source: 'devpts', options: ['nosuid', 'noexec', 'newinstance', 'ptmxmode=0666', 'mode=0620', 'gid=5'] },
      { destination: '/dev/shm', type: 'tmpfs', source: 'shm', options: ['nosuid', 'noexec', 'nodev', 'mode=1777', 'size=65536k'] },
    ],
  };
}
