/**
 * Netlink's message format (linux/netlink.h): the 16-byte header, attributes aligned to four
 * bytes, and the kernel's own messages — NLMSG_DONE ending a dump and NLMSG_ERROR carrying an
 * error or an acknowledgement. Shared by every netlink protocol the kernel answers.
 *
 * @module
 */

export const NLMSG_HDRLEN = 16;
/** Message types below this are netlink's own (NOOP, ERROR, DONE, OVERRUN). */
export const NLMSG_MIN_TYPE = 0x10;
export const NLMSG_ERROR = 2;
export const NLMSG_DONE = 3;

export const NLM_F_REQUEST = 0x1;
export const NLM_F_MULTI = 0x2;
export const NLM_F_ACK = 0x4;
/** An acknowledgement without the request's payload. */
export const NLM_F_CAPPED = 0x100;
/** NLM_F_ROOT | NLM_F_MATCH: a GET request asking for every object. */
export const NLM_F_DUMP = 0x300;

export const align4 = (n: number): number => (n + 3) & ~3;

/** A request's header fields, and where its payload lies. */
export interface NetlinkHeader {
  length: number;
  type: number;
  flags: number;
  seq: number;
  port: number;
}

export function readHeader(data: Uint8Array, at: number): NetlinkHeader {
  const v = new DataView(data.buffer, data.byteOffset + at, NLMSG_HDRLEN);
  return {
    length: v.getUint32(0, true), type: v.getUint16(4, true), flags: v.getUint16(6, true),
    seq: v.getUint32(8, true), port: v.getUint32(12, true),
  };
}

/**
 * Builds one datagram of messages: `begin` a message, add its fixed part and attributes, `end`
 * it; repeat. Grows as it goes; `take` returns the bytes.
 */
export class MessageWriter {
  #buf = new Uint8Array(1024);
  #view = new DataView(this.#buf.buffer);
  #len = 0;
  #message = -1;
  readonly #nests: number[] = [];

  get length(): number {
    return this.#len;
  }

  #room(n: number): number {
    const at = this.#len;
    const need = align4(at + n);
    if (need > this.#buf.length) {
      const bigger = new Uint8Array(Math.max(need, this.#buf.length * 2));
      bigger.set(this.#buf.subarray(0, at));
      this.#buf = bigger;
      this.#view = new DataView(bigger.buffer);
    }
    this.#len = need; // padding stays zero: the buffer starts zeroed and only grows
    return at;
  }

  begin(type: number, flags: number, seq: number, port: number): this {
    this.#message = this.#room(NLMSG_HDRLEN);
    const v = this.#view;
    v.setUint16(this.#message + 4, type, true);
    v.setUint16(this.#message + 6, flags, true);
    v.setUint32(this.#message + 8, seq, true);
    v.setUint32(this.#message + 12, port, true);
    return this;
  }

  end(): this {
    this.#view.setUint32(this.#message, this.#len - this.#message, true);
    return this;
  }

  /** Raw bytes of the fixed part (a struct), padded to four. */
  bytes(b: Uint8Array): this {
    this.#buf.set(b, this.#room(b.length));
    return this;
  }

  /** A fixed part built by `fill` over `size` zeroed bytes. */
  struct(size: number, fill: (v: DataView) => void): this {
    const at = this.#room(size);
    fill(new DataView(this.#buf.buffer, at, size));
    return this;
  }

  attr(type: number, payload: Uint8Array): this {
    const at = this.#room(4 + payload.length);
    this.#view.setUint16(at, 4 + payload.length, true);
    this.#view.setUint16(at + 2, type, true);
    this.#buf.set(payload, at + 4);
    return this;
  }

  u8(type: number, n: number): this {
    return this.attr(type, Uint8Array.of(n));
  }

  u16(type: number, n: number): this {
    return this.attr(type, Uint8Array.of(n & 0xff, n >>> 8));
  }

  u32(type: number, n: number): this {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setUint32(0, n >>> 0, true);
    return this.attr(type, b);
  }

  /** A NUL-terminated string. */
  string(type: number, s: string): this {
    const b = new Uint8Array(s.length + 1);
    for (let i = 0; i < s.length; i++) b[i] = s.charCodeAt(i);
    return this.attr(type, b);
  }

  /** Open a nested attribute (NLA_F_NESTED is not set, as rtnetlink's own nests leave it clear). */
  nest(type: number): this {
    const at = this.#room(4);
    this.#view.setUint16(at + 2, type, true);
    this.#nests.push(at);
    return this;
  }

  unnest(): this {
    const at = this.#nests.pop()!;
    this.#view.setUint16(at, this.#len - at, true);
    return this;
  }

  take(): Uint8Array {
    const out = this.#buf.slice(0, this.#len);
    this.#buf.fill(0, 0, this.#len); // padding is never written: the next datagram needs zeros
    this.#len = 0;
    return out;
  }
}

/** NLMSG_DONE ending a dump: the value 0, NLM_F_MULTI. */
export function doneMessage(seq: number, port: number): Uint8Array {
  return new MessageWriter().begin(NLMSG_DONE, NLM_F_MULTI, seq, port).bytes(new Uint8Array(4)).end().take();
}

/**
 * NLMSG_ERROR answering `request` (its whole message, header first): `errno` negated, or 0 for
 * an acknowledgement. As Linux's netlink_ack, an error echoes the whole request unless `capped`
 * (NETLINK_CAP_ACK); an acknowledgement echoes the header alone, flagged NLM_F_CAPPED.
 */
export function errorMessage(request: Uint8Array, errno: number, port: number, capped: boolean): Uint8Array {
  const h = readHeader(request, 0);
  const whole = errno !== 0 && !capped;
  const w = new MessageWriter().begin(NLMSG_ERROR, whole ? 0 : NLM_F_CAPPED, h.seq, port);
  w.struct(4, (v) => v.setInt32(0, -errno, true));
  return w.bytes(whole ? request : request.subarray(0, NLMSG_HDRLEN)).end().take();
}
