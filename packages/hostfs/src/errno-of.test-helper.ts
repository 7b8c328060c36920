import { KernelError } from '@rvisor/linux-object';

/** The errno `f` throws as a KernelError, or undefined if it returns. Other errors propagate. */
export function errnoOf(f: () => unknown): number | undefined {
  try {
    f();
  } catch (e) {
    if (e instanceof KernelError) return e.errno;
    throw e;
  }
  return undefined;
}
