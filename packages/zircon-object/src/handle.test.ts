import { describe, expect, it } from 'vitest';
import { HandleTable } from './handle.js';
import { KObject } from './object.js';
import { Rights } from './rights.js';
import { ZxError, ZxStatus } from './status.js';
import { FakePhysicalMemory } from './fake-platform.js';
import { PmemAllocator } from './pmem-allocator.js';
import { Vmo } from './vmo.js';
import { Job } from './task.js';

function status(fn: () => unknown): number | undefined {
  try {
    fn();
  } catch (e) {
    if (e instanceof ZxError) return e.status;
    throw e;
  }
  return undefined;
}

class Dummy extends KObject {
  static override readonly typeName: string = 'dummy';
}

describe('HandleTable', () => {
  it('checks handle, type and rights in one lookup', () => {
    const table = new HandleTable();
    const job = Job.createRoot();
    const h = table.add(job, Rights.READ | Rights.DUPLICATE);
    expect(h & 3).toBe(3);
    expect(table.getObjectWithRights(h, Job, Rights.READ)).toBe(job);
    expect(table.getObjectWithRights(h, KObject, Rights.NONE)).toBe(job);
    expect(status(() => table.getObjectWithRights(h + 4, Job, Rights.READ))).toBe(ZxStatus.ERR_BAD_HANDLE);
    expect(status(() => table.getObjectWithRights(0, Job, Rights.NONE))).toBe(ZxStatus.ERR_BAD_HANDLE);
    expect(status(() => table.getObjectWithRights(h, Dummy, Rights.READ))).toBe(ZxStatus.ERR_WRONG_TYPE);
    expect(status(() => table.getObjectWithRights(h, Job, Rights.READ | Rights.WRITE))).toBe(ZxStatus.ERR_ACCESS_DENIED);
  });

  it('dup needs DUPLICATE and a subset of rights', () => {
    const table = new HandleTable();
    const obj = new Dummy('x');
    const h = table.add(obj, Rights.READ | Rights.WRITE | Rights.DUPLICATE);
    const ro = table.dup(h, Rights.READ);
    expect(table.get(ro).rights).toBe(Rights.READ);
    expect(table.get(table.dup(h)).rights).toBe(table.get(h).rights);
    expect(status(() => table.dup(h, Rights.EXECUTE))).toBe(ZxStatus.ERR_INVALID_ARGS);
    expect(status(() => table.dup(ro))).toBe(ZxStatus.ERR_ACCESS_DENIED);
    expect(obj.handleCount).toBe(3);
  });

  it('remove closes the handle; handles keep a VMO alive', () => {
    const alloc = new PmemAllocator(new FakePhysicalMemory());
    const vmo = Vmo.create(alloc, 4096);
    const table = new HandleTable();
    const h = table.add(vmo, Rights.DEFAULT_VMO);
    vmo.close();
    expect(alloc.allocatedBytes).toBe(4096);
    expect(table.remove(h).object).toBe(vmo);
    expect(status(() => table.remove(h))).toBe(ZxStatus.ERR_BAD_HANDLE);
    expect(alloc.allocatedBytes).toBe(0);
  });

  it('names objects with unique koids and a type name', () => {
    const a = new Dummy('a'.repeat(40));
    const b = new Dummy();
    expect(a.koid).not.toBe(b.koid);
    expect(a.typeName).toBe('dummy');
    expect(a.name.length).toBe(31);
  });
});

describe('getObjectWithRights with private constructors', () => {
  it('accepts Vmo as the type', () => {
    const alloc = new PmemAllocator(new FakePhysicalMemory());
    const vmo = Vmo.create(alloc, 4096);
    const table = new HandleTable();
    const h = table.add(vmo, Rights.DEFAULT_VMO);
    expect(table.getObjectWithRights(h, Vmo, Rights.READ | Rights.MAP)).toBe(vmo);
    expect(status(() => table.getObjectWithRights(h, Job, Rights.NONE))).toBe(ZxStatus.ERR_WRONG_TYPE);
    expect(status(() => table.getObjectWithRights(h, Vmo, Rights.EXECUTE))).toBe(ZxStatus.ERR_ACCESS_DENIED);
  });
});
