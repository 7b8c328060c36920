/**
 * Random bytes for guests (getrandom, /dev/urandom, execve's AT_RANDOM), served from a pool that
 * the host's /dev/urandom refills: each byte is handed out once. A small request is a copy; a
 * read of the host's device costs a syscall, as glibc and every exec make such a request.
 *
 * The host kernel's generator, not OpenSSL's through node:crypto: the first call into OpenSSL's
 * sets its generator up, 3.6 ms of every container's start (the first execve's AT_RANDOM).
 *
 * @module
 */
import { openSync, readSync } from 'node:fs';

const POOL_SIZE = 4096;
const pool = new Uint8Array(POOL_SIZE);
let used = POOL_SIZE;
let urandom = -1;

/** Fill `out` from the host's /dev/urandom (opened once, close-on-exec as Node opens files). */
function fromHost(out: Uint8Array): void {
  if (urandom < 0) urandom = openSync('/dev/urandom', 'r');
  for (let off = 0; off < out.byteLength; ) {
    off += readSync(urandom, out, off, out.byteLength - off, null);
  }
}

/** Fill `out` with cryptographically strong random bytes. */
export function fillRandom(out: Uint8Array): void {
  const n = out.byteLength;
  if (n > POOL_SIZE / 4) {
    fromHost(out);
    return;
  }
  if (used + n > POOL_SIZE) {
    fromHost(pool);
    used = 0;
  }
  out.set(pool.subarray(used, used + n));
  pool.fill(0, used, used + n); // handed out: never again, and not left behind in the kernel
  used += n;
}
