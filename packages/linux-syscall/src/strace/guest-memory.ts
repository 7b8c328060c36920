/**
 * strace's view of a guest's memory: what cannot be read shows as null, never as an error.
 *
 * @module
 */
import { ZxError, ZxStatus, bytesToString, type Vmar } from '@rvisor/zircon-object';
import type { StraceMemory } from './args.js';

/** The memory of the address space `vmar` as strace reads it. */
export function straceMemory(vmar: Vmar): StraceMemory {
  return {
    readString(addr, max) {
      try {
        return vmar.readCString(addr, max);
      } catch (e) {
        if (!(e instanceof ZxError && e.status === ZxStatus.ERR_OUT_OF_RANGE)) return null;
        // Longer than `max`: its first `max` bytes, which strace shows cut short.
        return readOrNull(() => bytesToString(vmar.read(addr, max)));
      }
    },
    readBytes: (addr, len) => readOrNull(() => vmar.read(addr, len)),
  };
}

function readOrNull<T>(read: () => T): T | null {
  try {
    return read();
  } catch {
    return null;
  }
}
