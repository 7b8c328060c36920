/**
 * The one place host results become kernel errors.
 *
 * @module
 */
import { KernelError, type Errno } from '@rvisor/linux-object';

/** `result` if it is a success (≥ 0); otherwise throw the KernelError of its -errno. */
export function hostResult(result: number): number {
  if (result < 0) throw new KernelError(-result as Errno);
  return result;
}
