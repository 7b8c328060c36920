/**
 * Byte strings: how the kernel holds names, paths, arguments and other strings guests pass. Linux
 * treats them as bytes, not text, so the kernel keeps one char per byte (each char code is the
 * byte, ISO-8859-1): a name that is not UTF-8 survives the trip from a guest to the host and back,
 * and two such names never become one. Text from elsewhere (config.json, the command line) becomes
 * a byte string of its UTF-8 bytes ({@link utf8ByteString}) before it reaches the kernel.
 *
 * @module
 */

const ascii = new TextDecoder('utf-8');

/** `bytes` as a byte string. */
export function bytesToString(bytes: Uint8Array): string {
  // The common case, ASCII, is what the UTF-8 decoder reads fastest (~55 ns for a short path,
  // against ~95 ns through String.fromCharCode).
  for (let i = 0; i < bytes.length; i++) {
    if (bytes[i]! > 0x7f) return latin1(bytes);
  }
  return ascii.decode(bytes);
}

function latin1(bytes: Uint8Array): string {
  let out = '';
  for (let at = 0; at < bytes.length; at += 0x2000) {
    out += String.fromCharCode.apply(null, bytes.subarray(at, at + 0x2000) as unknown as number[]);
  }
  return out;
}

/** The bytes of byte string `s` (a char above 0xff, which no byte string holds, keeps its low byte). */
export function stringToBytes(s: string): Uint8Array {
  const out = new Uint8Array(s.length);
  stringBytesInto(s, out);
  return out;
}

/** Write the bytes of byte string `s` into `out` (as many as fit); returns how many were written. */
export function stringBytesInto(s: string, out: Uint8Array): number {
  const n = Math.min(s.length, out.length);
  for (let i = 0; i < n; i++) out[i] = s.charCodeAt(i);
  return n;
}

const utf8 = new TextEncoder();

/** Text (a JavaScript string of any characters) as the byte string of its UTF-8 encoding. */
export function utf8ByteString(text: string): string {
  for (let i = 0; i < text.length; i++) {
    if (text.charCodeAt(i) > 0x7f) return bytesToString(utf8.encode(text));
  }
  return text;
}
