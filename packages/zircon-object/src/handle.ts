/**
 * Handles and the per-process handle table, with the one checked lookup every syscall uses.
 *
 * @module
 */
import type { KObject } from './object.js';
import { hasRights, Rights } from './rights.js';
import { ZxError, ZxStatus } from './status.js';

/** A handle value as user space sees it (never 0, which is ZX_HANDLE_INVALID). */
export type HandleValue = number;

/** An object reference with the rights it grants. */
export class Handle<T extends KObject = KObject> {
  constructor(
    readonly object: T,
    readonly rights: Rights,
  ) {}
}

/**
 * A class of kernel objects, used as the type argument of a checked lookup. Only its prototype
 * matters, so classes with private constructors (Vmo, Job) qualify.
 */
// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
export type KObjectClass<T extends KObject> = Function & { readonly prototype: T };

/**
 * NAME
 *   handle table - the handles a process holds
 *
 * SYNOPSIS
 *   `add(object, rights)` returns a handle value; `remove(h)` closes it; `dup(h, rights?)` makes a
 *   new handle with a subset of the rights; `getObjectWithRights(h, Type, rights)` is the only way
 *   to reach an object from a handle value.
 *
 * DESCRIPTION
 *   Handle values have their low two bits set, as in Zircon, so 0 is never valid. Values are not
 *   reused while the table lives. Adding and closing handles maintain the object's handle count.
 *
 * RIGHTS
 *   `dup` needs DUPLICATE on the source handle.
 *
 * ERRORS
 *   ERR_BAD_HANDLE   the value names no handle in this table.
 *   ERR_WRONG_TYPE   the object is not of the requested type.
 *   ERR_ACCESS_DENIED the handle lacks a requested right (or DUPLICATE, for dup).
 *   ERR_INVALID_ARGS `dup` asked for rights the source handle does not have.
 */
export class HandleTable {
  #handles = new Map<HandleValue, Handle>();
  #next = 1;

  /** Number of open handles. */
  get size(): number {
    return this.#handles.size;
  }

  /** Add a handle to `object` with `rights`; returns its value. */
  add(object: KObject, rights: Rights): HandleValue {
    return this.addHandle(new Handle(object, rights));
  }

  /** Add an existing handle (e.g. one received from another table). */
  addHandle(handle: Handle): HandleValue {
    const value = (this.#next++ << 2) | 3;
    this.#handles.set(value, handle);
    handle.object.handleOpened();
    return value;
  }

  /** The handle named by `value`. Throws ERR_BAD_HANDLE. */
  get(value: HandleValue): Handle {
    const handle = this.#handles.get(value);
    if (!handle) throw new ZxError(ZxStatus.ERR_BAD_HANDLE, `handle ${value}`);
    return handle;
  }

  /** Close the handle `value`; returns it. Throws ERR_BAD_HANDLE. */
  remove(value: HandleValue): Handle {
    const handle = this.get(value);
    this.#handles.delete(value);
    handle.object.handleClosed();
    return handle;
  }

  /**
   * A new handle to the same object with `rights` (default: the same rights), which must be a
   * subset of the source's. The source needs DUPLICATE.
   */
  dup(value: HandleValue, rights?: Rights): HandleValue {
    const handle = this.get(value);
    if (!hasRights(handle.rights, Rights.DUPLICATE)) throw new ZxError(ZxStatus.ERR_ACCESS_DENIED, 'no DUPLICATE right');
    const newRights = rights ?? handle.rights;
    if (!hasRights(handle.rights, newRights)) throw new ZxError(ZxStatus.ERR_INVALID_ARGS, 'rights are not a subset');
    return this.add(handle.object, newRights);
  }

  /**
   * The object behind `value`, checked to be a `Type` and to grant `rights`.
   * Throws ERR_BAD_HANDLE, ERR_WRONG_TYPE or ERR_ACCESS_DENIED, in that order of checks.
   */
  getObjectWithRights<T extends KObject>(value: HandleValue, Type: KObjectClass<T>, rights: Rights): T {
    const handle = this.get(value);
    const object = handle.object;
    if (!(object instanceof Type)) {
      throw new ZxError(ZxStatus.ERR_WRONG_TYPE, `handle ${value} is a ${object.typeName}`);
    }
    if (!hasRights(handle.rights, rights)) throw new ZxError(ZxStatus.ERR_ACCESS_DENIED, `handle ${value}`);
    return object as T;
  }

  /** Close every handle (process exit). */
  clear(): void {
    const handles = [...this.#handles.values()];
    this.#handles.clear();
    for (const handle of handles) handle.object.handleClosed();
  }

  /** The open handle values, in creation order. */
  values(): HandleValue[] {
    return [...this.#handles.keys()];
  }
}
