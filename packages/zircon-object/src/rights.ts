/**
 * Handle rights, bit values as in Fuchsia's `zircon/rights.h`.
 *
 * @module
 */

const DUPLICATE = 1 << 0;
const TRANSFER = 1 << 1;
const READ = 1 << 2;
const WRITE = 1 << 3;
const EXECUTE = 1 << 4;
const MAP = 1 << 5;
const GET_PROPERTY = 1 << 6;
const SET_PROPERTY = 1 << 7;
const ENUMERATE = 1 << 8;
const DESTROY = 1 << 9;
const SET_POLICY = 1 << 10;
const GET_POLICY = 1 << 11;
const SIGNAL = 1 << 12;
const SIGNAL_PEER = 1 << 13;
const WAIT = 1 << 14;
const INSPECT = 1 << 15;
const MANAGE_JOB = 1 << 16;
const MANAGE_PROCESS = 1 << 17;
const MANAGE_THREAD = 1 << 18;

const BASIC = TRANSFER | DUPLICATE | WAIT | INSPECT;
const IO = READ | WRITE;
const PROPERTY = GET_PROPERTY | SET_PROPERTY;
const POLICY = GET_POLICY | SET_POLICY;

/** Rights a {@link Handle} grants over its object (bit flags). */
export const Rights = {
  NONE: 0,
  DUPLICATE,
  TRANSFER,
  READ,
  WRITE,
  EXECUTE,
  MAP,
  GET_PROPERTY,
  SET_PROPERTY,
  ENUMERATE,
  DESTROY,
  SET_POLICY,
  GET_POLICY,
  SIGNAL,
  SIGNAL_PEER,
  WAIT,
  INSPECT,
  MANAGE_JOB,
  MANAGE_PROCESS,
  MANAGE_THREAD,
  BASIC,
  IO,
  PROPERTY,
  POLICY,
  DEFAULT_JOB: BASIC | IO | PROPERTY | POLICY | ENUMERATE | DESTROY | SIGNAL | MANAGE_JOB | MANAGE_PROCESS | MANAGE_THREAD,
  DEFAULT_PROCESS: BASIC | IO | PROPERTY | ENUMERATE | DESTROY | SIGNAL | MANAGE_PROCESS | MANAGE_THREAD,
  DEFAULT_THREAD: BASIC | IO | PROPERTY | DESTROY | SIGNAL | MANAGE_THREAD,
  DEFAULT_VMO: BASIC | IO | PROPERTY | MAP | SIGNAL,
  /** A root VMAR's handle: Zircon's DEFAULT_VMAR plus READ/WRITE/EXECUTE for mapping. */
  DEFAULT_VMAR: (BASIC & ~WAIT) | IO | EXECUTE,
} as const;

/** A set of rights (an OR of {@link Rights} bits). */
export type Rights = number;

/** Whether `have` includes every right in `want`. */
export function hasRights(have: Rights, want: Rights): boolean {
  return (have & want) === want;
}
