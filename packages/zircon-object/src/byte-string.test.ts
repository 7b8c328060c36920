import { describe, expect, it } from 'vitest';
import { bytesToString, stringBytesInto, stringToBytes, utf8ByteString } from './byte-string.js';

describe('byte strings', () => {
  it('keep every byte, one char each, whether or not the bytes are UTF-8', () => {
    const all = Uint8Array.from({ length: 256 }, (_, i) => i);
    const s = bytesToString(all);
    expect(s.length).toBe(256);
    expect([...s].map((c) => c.charCodeAt(0))).toEqual([...all]);
    expect(stringToBytes(s)).toEqual(all);
    // Two names that UTF-8 decoding would both turn into U+FFFD stay two names.
    expect(bytesToString(new Uint8Array([0x61, 0xff]))).not.toBe(bytesToString(new Uint8Array([0x61, 0xfe])));
    expect(bytesToString(new Uint8Array([0x2f, 0x74, 0x6d, 0x70]))).toBe('/tmp');
  });

  it('decode long runs of non-ASCII bytes whole', () => {
    const long = new Uint8Array(20_000).fill(0xe9);
    expect(bytesToString(long)).toBe('\xe9'.repeat(20_000));
  });

  it('write into a buffer as far as it goes', () => {
    const out = new Uint8Array(3);
    expect(stringBytesInto('a\xffbc', out)).toBe(3);
    expect(out).toEqual(new Uint8Array([0x61, 0xff, 0x62]));
  });

  it('convert text to the bytes of its UTF-8', () => {
    expect(utf8ByteString('/données')).toBe('/donn\xc3\xa9es');
    expect(utf8ByteString('/plain')).toBe('/plain');
  });
});
