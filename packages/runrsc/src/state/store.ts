/**
 * Container state on disk, under the runtime's root (runc's --root): `<root>/<id>/state.json`
 * records what create decided; the sandbox answers everything live. Sandboxes keep their socket
 * and log in `<root>/sandbox-<name>/`.
 *
 * @module
 */
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { OciHooks } from '../oci/config.js';
import { RuntimeError } from '../sandbox/protocol.js';

/** The default state directory. */
export const DEFAULT_ROOT = '/run/rvisor';

/** What create records about a container. */
export interface ContainerRecord {
  id: string;
  bundle: string;
  rootfs: string;
  /** RFC 3339. */
  created: string;
  annotations: Record<string, string>;
  /** The pid holder's host pid. */
  pid: number;
  /** The sandbox's name and control socket. */
  sandbox: string;
  socket: string;
  /** The spec's hooks, kept for start and delete. */
  hooks?: OciHooks;
  /** The spec's process, the default for exec. */
  process?: unknown;
}

/** runc's rule for container ids. */
const ID_PATTERN = /^[\w+.-]+$/;

/** The state directory of one runtime root. */
export class StateStore {
  constructor(readonly root: string = DEFAULT_ROOT) {}

  #dir(id: string): string {
    if (!ID_PATTERN.test(id) || id === '.' || id === '..') throw new RuntimeError('invalid', `invalid container id: ${JSON.stringify(id)}`);
    return join(this.root, id);
  }

  /** Claim `id` for a container being created; fails if it exists. */
  reserve(id: string): void {
    const dir = this.#dir(id);
    mkdirSync(this.root, { recursive: true, mode: 0o700 });
    try {
      mkdirSync(dir, { mode: 0o700 });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') throw new RuntimeError('exists', `container with id exists: ${id}`);
      throw err;
    }
  }

  /** Write the record atomically. */
  write(record: ContainerRecord): void {
    const file = join(this.#dir(record.id), 'state.json');
    writeFileSync(`${file}.tmp`, JSON.stringify(record));
    renameSync(`${file}.tmp`, file);
  }

  /** The record of `id`; 'not-found' if there is none. */
  read(id: string): ContainerRecord {
    try {
      return JSON.parse(readFileSync(join(this.#dir(id), 'state.json'), 'utf8')) as ContainerRecord;
    } catch (err) {
      if (err instanceof RuntimeError) throw err;
      throw new RuntimeError('not-found', `container does not exist`);
    }
  }

  /**
   * Forget `id`. A directory without a record (a create that died half-way) is removed too, so
   * that `delete` can clean it.
   */
  remove(id: string): void {
    rmSync(this.#dir(id), { recursive: true, force: true });
  }

  /** Every container with a record. */
  ids(): string[] {
    let names: string[];
    try {
      names = readdirSync(this.root);
    } catch {
      return [];
    }
    return names.filter((n) => !n.startsWith('sandbox-') && ID_PATTERN.test(n) && existsSync(join(this.root, n, 'state.json')));
  }

  /** Remove what is left of a sandbox (its socket, pid and log). */
  removeSandbox(name: string): void {
    rmSync(join(this.root, `sandbox-${name}`), { recursive: true, force: true });
  }

  /** Every record that can be read now (a create in progress has none yet). */
  records(): ContainerRecord[] {
    const found: ContainerRecord[] = [];
    for (const id of this.ids()) {
      try {
        found.push(this.read(id));
      } catch {
        // deleted or not yet written
      }
    }
    return found;
  }

  /** The directory for a new sandbox. */
  sandboxDir(name: string): string {
    const dir = join(this.root, `sandbox-${name}`);
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    return dir;
  }
}
