/**
 * The objects of one System V IPC kind in a container (its IPC namespace): by id, and found by
 * key the way shmget, semget and msgget find them.
 *
 * @module
 */
import type { Credentials } from '../process/process.js';
import { Errno, KernelError } from '../errno.js';
import { IPC_PRIVATE, requestedAccess, type IpcPerm } from './perm.js';

/** The base of each kind's table (`SysvShm`, `SysvSem`, `SysvMsg`). */
export class IpcTable<T extends IpcPerm & { readonly id: number }> {
  readonly #byId = new Map<number, T>();
  #nextId = 0;

  /** At most `max` objects (Linux's SHMMNI, SEMMNI, MSGMNI). */
  constructor(private readonly max: number) {}


  /**
   * What a get call answers: the object `key` names, which `fits` may refuse and the access `mode` asks must be
   * allowed, or a new one `make` builds for an id (IPC_PRIVATE, or `create` for a key none has).
   * ENOENT, EEXIST, ENOSPC and EACCES as Linux.
   */
  protected obtain(key: number, create: boolean, exclusive: boolean, mode: number, cred: Credentials, fits: (found: T) => void, make: (id: number) => T): T {
    if (key !== IPC_PRIVATE) {
      const found = [...this.#byId.values()].find((o) => o.key === key);
      if (found) {
        if (create && exclusive) throw new KernelError(Errno.EEXIST);
        fits(found);
        found.checkAccess(cred, requestedAccess(mode));
        return found;
      }
      if (!create) throw new KernelError(Errno.ENOENT);
    }
    if (this.#byId.size >= this.max) throw new KernelError(Errno.ENOSPC);
    const made = make(this.#nextId);
    this.#nextId++;
    this.#byId.set(made.id, made);
    return made;
  }

  /** The object `id` names; EINVAL if none. */
  byId(id: number): T {
    const o = this.#byId.get(id);
    if (!o) throw new KernelError(Errno.EINVAL);
    return o;
  }

  /** The object `id` names, if any. */
  find(id: number): T | undefined {
    return this.#byId.get(id);
  }

  /** Every object, by id. */
  values(): IterableIterator<T> {
    return this.#byId.values();
  }

  /** The highest id in use, 0 if none (what IPC_INFO and the *_INFO commands return). */
  get highestId(): number {
    return Math.max(0, ...this.#byId.keys());
  }

  /** Forget `o` (removed, or gone with its last user); false if it was not here. */
  protected delete(o: T): boolean {
    if (this.#byId.get(o.id) !== o) return false;
    return this.#byId.delete(o.id);
  }
}
