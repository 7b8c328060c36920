/** ttrpc frames: a 10-byte big-endian header (length, stream id, type, flags) and the data. */

/** Length of the frame header. */
export const HEADER_SIZE = 10;
/** The largest data a frame may carry (ttrpc's messageLengthMax). */
export const MAX_MESSAGE_SIZE = 4 << 20;

/** Frame types. Data frames belong to ttrpc 1.2 streams, which containerd 1.6 never sends. */
export const FrameType = { Request: 1, Response: 2, Data: 3 } as const;

/** One frame as read from a connection. */
export interface Frame {
  streamId: number;
  type: number;
  flags: number;
  data: Uint8Array;
  /** Set when the data was larger than MAX_MESSAGE_SIZE: it was skipped and `data` is empty. */
  oversize?: boolean;
}

/** Encodes one frame, header and data. */
export function encodeFrame(streamId: number, type: number, data: Uint8Array, flags = 0): Buffer {
  const out = Buffer.allocUnsafe(HEADER_SIZE + data.length);
  out.writeUInt32BE(data.length, 0);
  out.writeUInt32BE(streamId, 4);
  out.writeUInt8(type, 8);
  out.writeUInt8(flags, 9);
  out.set(data, HEADER_SIZE);
  return out;
}

/**
 * Cuts a byte stream into frames. Oversize frames are skipped without buffering their data and
 * reported with `oversize` so the server can answer RESOURCE_EXHAUSTED, as ttrpc does.
 */
export class FrameReader {
  private buffer: Buffer = Buffer.alloc(0);
  private skipping = 0;

  /** Adds bytes read from the connection and returns the frames they complete. */
  push(chunk: Buffer): Frame[] {
    const frames: Frame[] = [];
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    for (;;) {
      if (this.skipping > 0) {
        const skipped = Math.min(this.skipping, this.buffer.length);
        this.skipping -= skipped;
        this.buffer = this.buffer.subarray(skipped);
        if (this.skipping > 0) break;
      }
      if (this.buffer.length < HEADER_SIZE) break;
      const length = this.buffer.readUInt32BE(0);
      const streamId = this.buffer.readUInt32BE(4);
      const type = this.buffer.readUInt8(8);
      const flags = this.buffer.readUInt8(9);
      if (length > MAX_MESSAGE_SIZE) {
        this.buffer = this.buffer.subarray(HEADER_SIZE);
        this.skipping = length;
        frames.push({ streamId, type, flags, data: new Uint8Array(0), oversize: true });
        continue;
      }
      if (this.buffer.length < HEADER_SIZE + length) break;
      // Copy so the frame does not pin the whole read buffer.
      const data = Uint8Array.prototype.slice.call(this.buffer, HEADER_SIZE, HEADER_SIZE + length);
      this.buffer = this.buffer.subarray(HEADER_SIZE + length);
      frames.push({ streamId, type, flags, data });
    }
    return frames;
  }
}
