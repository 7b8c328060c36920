/**
 * AF_UNIX addresses: decoding and encoding `struct sockaddr_un`, binding a socket to a name (a
 * socket file in the VFS, or a name in the container's abstract namespace) and finding the
 * socket a name leads to.
 *
 * @module
 */
import {
  Errno, FileType, KernelError, MAY_WRITE, checkInodeAccess, fsIds, isAbstractAddress, isKernelError,
  type Kernel, type UnixAddress, type UnixSocket,
} from '@rvisor/linux-object';
import type { SyscallContext } from '../context.js';
import { bytesToString, stringToBytes } from '@rvisor/zircon-object';

/** The AF_UNIX address family. */
export const AF_UNIX = 1;
/** offsetof(struct sockaddr_un, sun_path). */
const SUN_PATH_OFFSET = 2;
/** sizeof(struct sockaddr_un). */
const SOCKADDR_UN_SIZE = 110;

/** A decoded address argument: a name, or a request for an automatic one (bind with only the family). */
export type AddressArg = { kind: 'name'; address: UnixAddress } | { kind: 'autobind' };

/**
 * Read the sockaddr_un at `addr` of `len` bytes. EINVAL for a length out of range or another
 * family; a path name is cut at its first NUL.
 */
export function readUnixAddress(ctx: SyscallContext, addr: number, len: number): AddressArg {
  if (len < SUN_PATH_OFFSET || len > SOCKADDR_UN_SIZE) throw new KernelError(Errno.EINVAL);
  const raw = ctx.mem.read(addr, len).slice();
  if ((raw[0] | (raw[1] << 8)) !== AF_UNIX) throw new KernelError(Errno.EINVAL);
  if (len === SUN_PATH_OFFSET) return { kind: 'autobind' };
  const path = raw.subarray(SUN_PATH_OFFSET);
  if (path[0] === 0) return { kind: 'name', address: path };
  const nul = path.indexOf(0);
  return { kind: 'name', address: nul < 0 ? path : path.subarray(0, nul) };
}

/** The sockaddr_un of `address` (null: unnamed, the family alone), as Linux reports it. */
export function encodeUnixAddress(address: UnixAddress | null): Uint8Array {
  const n = address === null ? 0 : address.length + (isAbstractAddress(address) ? 0 : 1); // paths keep their NUL
  const out = new Uint8Array(SUN_PATH_OFFSET + n);
  out[0] = AF_UNIX;
  if (address !== null) out.set(address, SUN_PATH_OFFSET);
  return out;
}

/**
 * Store an address for the guest: at most `*lenAddr` bytes of it at `addr`, and its full
 * length at `lenAddr` (Linux's move_addr_to_user). EINVAL for a negative length.
 */
export function writeAddress(ctx: SyscallContext, addr: number, lenAddr: number, encoded: Uint8Array): void {
  if (addr === 0 || lenAddr === 0) return;
  const room = new DataView(ctx.mem.read(lenAddr, 4).slice().buffer).getInt32(0, true);
  if (room < 0) throw new KernelError(Errno.EINVAL);
  const n = Math.min(room, encoded.length);
  if (n > 0) ctx.mem.write(addr, encoded.subarray(0, n));
  const len = new Uint8Array(4);
  new DataView(len.buffer).setInt32(0, encoded.length, true);
  ctx.mem.write(lenAddr, len);
}

/** Abstract names are per container: one namespace per kernel. */
const abstractNames = new WeakMap<Kernel, Map<string, UnixSocket>>();

function namespaceOf(kernel: Kernel): Map<string, UnixSocket> {
  let names = abstractNames.get(kernel);
  if (names === undefined) abstractNames.set(kernel, names = new Map());
  return names;
}

function keyOf(address: UnixAddress): string {
  return bytesToString(address);
}

function bindAbstract(ctx: SyscallContext, sock: UnixSocket, address: UnixAddress): void {
  const names = namespaceOf(ctx.kernel);
  const key = keyOf(address);
  if (names.has(key)) throw new KernelError(Errno.EADDRINUSE);
  names.set(key, sock);
  sock.local = address;
  sock.onClose = () => {
    if (names.get(key) === sock) names.delete(key);
  };
}

/** Autobind: an abstract name of five hex digits, as Linux picks one (EADDRINUSE if all are taken). */
export function autobind(ctx: SyscallContext, sock: UnixSocket): void {
  const names = namespaceOf(ctx.kernel);
  const start = Math.floor(Math.random() * 0x100000);
  for (let i = 0; i < 0x100000; i++) {
    const name = ((start + i) & 0xfffff).toString(16).padStart(5, '0');
    const address = new Uint8Array(6);
    address.set(stringToBytes(name), 1);
    if (!names.has(keyOf(address))) {
      bindAbstract(ctx, sock, address);
      return;
    }
  }
  throw new KernelError(Errno.EADDRINUSE);
}

/**
 * bind(2) of `sock` to `address`: an abstract name, or a new socket file at a path (EADDRINUSE if
 * the path exists; the permission bits are 0777 less the umask).
 */
export function bindUnixAddress(ctx: SyscallContext, sock: UnixSocket, address: UnixAddress): void {
  if (isAbstractAddress(address)) {
    bindAbstract(ctx, sock, address);
    return;
  }
  try {
    ctx.process.fs.bindSocket(bytesToString(address), sock, fsIds(ctx.process.cred));
  } catch (err) {
    if (isKernelError(err) && err.errno === Errno.EEXIST) throw new KernelError(Errno.EADDRINUSE);
    throw err;
  }
  sock.local = address;
}

/**
 * The socket `address` names: ECONNREFUSED when nobody is bound there (or the socket file's
 * socket has closed, or the file is no socket), ENOENT for a missing path, EACCES when the caller
 * may not search the path or write to the socket file.
 */
export function findUnixSocket(ctx: SyscallContext, address: UnixAddress): UnixSocket {
  if (isAbstractAddress(address)) {
    const sock = namespaceOf(ctx.kernel).get(keyOf(address));
    if (sock === undefined || sock.closed) throw new KernelError(Errno.ECONNREFUSED);
    return sock;
  }
  const ids = fsIds(ctx.process.cred);
  const ref = ctx.process.fs.lookup(bytesToString(address), { followLast: true, ids });
  checkInodeAccess(ids, ref.inode, MAY_WRITE); // first, as Linux's unix_find_bsd: connecting writes to the file
  const sock = ref.inode.socket;
  if (ref.inode.type !== FileType.Socket || sock === undefined || sock.closed) throw new KernelError(Errno.ECONNREFUSED);
  return sock;
}
