const ESCAPES: Readonly<Record<number, string>> = {
  0x09: '\\t',
  0x0a: '\\n',
  0x0b: '\\v',
  0x0c: '\\f',
  0x0d: '\\r',
  0x22: '\\"',
  0x5c: '\\\\',
};

function isDigit(code: number | undefined): boolean {
  return code !== undefined && code >= 0x30 && code <= 0x39;
}

/**
 * Quotes character codes as strace does: C escapes for the usual controls, octal for other
 * non-printing bytes (three digits when a digit follows, so the escape stays unambiguous).
 */
function quoteCodes(codes: ArrayLike<number>, length: number): string {
  let out = '"';
  for (let i = 0; i < length; i++) {
    const c = codes[i]!;
    const named = ESCAPES[c];
    if (named !== undefined) out += named;
    else if (c >= 0x20 && c < 0x7f) out += String.fromCharCode(c);
    else if (c > 0xff) out += String.fromCharCode(c);
    else {
      const octal = c.toString(8);
      out += '\\' + (isDigit(codes[i + 1]) && i + 1 < length ? octal.padStart(3, '0') : octal);
    }
  }
  return out + '"';
}

/** Quotes bytes, showing at most `limit` of them and `...` after the quote when there are more. */
export function quoteBytes(bytes: Uint8Array, limit: number, total = bytes.length): string {
  const shown = Math.min(bytes.length, limit);
  return quoteCodes(bytes, shown) + (total > shown ? '...' : '');
}

/** Quotes a string, showing at most `limit` characters and `...` after the quote when there are more. */
export function quoteString(s: string, limit: number): string {
  const codes = Array.from(s, (ch) => ch.codePointAt(0)!);
  const shown = Math.min(codes.length, limit);
  return quoteCodes(codes, shown) + (codes.length > shown ? '...' : '');
}
