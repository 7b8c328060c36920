/**
 * Random bytes for guests (getrandom, /dev/urandom, execve's AT_RANDOM), served from a pool that
 * Node's CSPRNG refills: each byte is handed out once. A small request is a copy; a call into
 * OpenSSL costs ~3 µs hot and ~19 µs at one call per execve, as glibc and every exec make.
 *
 * @module
 */
import { randomFillSync } from 'node:crypto';

const POOL_SIZE = 4096;
const pool = new Uint8Array(POOL_SIZE);
let used = POOL_SIZE;

/** Fill `out` with cryptographically strong random bytes. */
export function fillRandom(out: Uint8Array): void {
  const n = out.byteLength;
  if (n > POOL_SIZE / 4) {
    randomFillSync(out);
    return;
  }
  if (used + n > POOL_SIZE) {
    randomFillSync(pool);
    used = 0;
  }
  out.set(pool.subarray(used, used + n));
  pool.fill(0, used, used + n); // handed out: never again, and not left behind in the kernel
  used += n;
}
