/**
 * The terminal line discipline (Linux's n_tty) of an in-kernel pseudo-terminal: input
 * processing (ICRNL, canonical editing with erase and kill, echo, ISIG characters) and output
 * processing (ONLCR), with the termios settings that control them.
 *
 * @module
 */
import { Signo } from '../abi/signal.js';
import { Errno, KernelError } from '../errno.js';
import { TERMIOS_SIZE } from '../abi/ioctl.js';

// c_iflag bits.
export const IGNBRK = 0x1;
export const ISTRIP = 0x20;
export const INLCR = 0x40;
export const IGNCR = 0x80;
export const ICRNL = 0x100;
export const IXON = 0x400;
export const IUTF8 = 0x4000;
// c_oflag bits.
export const OPOST = 0x1;
export const ONLCR = 0x4;
export const OCRNL = 0x8;
// c_lflag bits.
export const ISIG = 0x1;
export const ICANON = 0x2;
export const ECHO = 0x8;
export const ECHOE = 0x10;
export const ECHOK = 0x20;
export const ECHONL = 0x40;
export const NOFLSH = 0x80;
export const ECHOCTL = 0x200;
export const ECHOKE = 0x800;
export const IEXTEN = 0x8000;
// c_cc indices.
export const VINTR = 0;
export const VQUIT = 1;
export const VERASE = 2;
export const VKILL = 3;
export const VEOF = 4;
export const VTIME = 5;
export const VMIN = 6;
export const VSUSP = 10;
export const VEOL = 11;
export const VWERASE = 14;
export const VEOL2 = 16;
/** Number of control characters in the kernel's `struct termios`. */
export const NCCS = 19;

/** The kernel's `struct termios` (x86-64): flag words, line discipline number, control characters. */
export interface Termios {
  iflag: number;
  oflag: number;
  cflag: number;
  lflag: number;
  line: number;
  cc: Uint8Array;
}

/** The settings a new terminal starts with (Linux's tty_std_termios, 38400 baud, CS8). */
export function defaultTermios(): Termios {
  return {
    iflag: ICRNL | IXON | IUTF8,
    oflag: OPOST | ONLCR,
    cflag: 0xbf, // B38400 | CS8 | CREAD | HUPCL
    lflag: ISIG | ICANON | ECHO | ECHOE | ECHOK | ECHOCTL | ECHOKE | IEXTEN,
    line: 0,
    // ^C ^\ DEL ^U ^D 0 1 0 ^Q ^S ^Z 0 ^R ^O ^W ^V 0
    cc: Uint8Array.from([3, 28, 127, 21, 4, 0, 1, 0, 17, 19, 26, 0, 18, 15, 23, 22, 0, 0, 0]),
  };
}

/** Encode `t` as TCGETS writes it (36 bytes). */
export function encodeTermios(t: Termios, out: Uint8Array): void {
  if (out.byteLength < TERMIOS_SIZE) throw new KernelError(Errno.EFAULT);
  const v = new DataView(out.buffer, out.byteOffset, out.byteLength);
  v.setUint32(0, t.iflag, true);
  v.setUint32(4, t.oflag, true);
  v.setUint32(8, t.cflag, true);
  v.setUint32(12, t.lflag, true);
  out[16] = t.line;
  out.set(t.cc.subarray(0, NCCS), 17);
}

/** Decode a `struct termios` as TCSETS* reads it. */
export function decodeTermios(b: Uint8Array): Termios {
  if (b.byteLength < TERMIOS_SIZE) throw new KernelError(Errno.EFAULT);
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  return {
    iflag: v.getUint32(0, true),
    oflag: v.getUint32(4, true),
    cflag: v.getUint32(8, true),
    lflag: v.getUint32(12, true),
    line: b[16]!,
    cc: b.slice(17, 17 + NCCS),
  };
}

/** What the line discipline asks of its terminal. */
export interface LineDisciplineHost {
  /** Bytes for the master side to read (echo and processed output). */
  output(bytes: readonly number[]): void;
  /** A signal character was typed: signal the foreground process group. */
  signal(signo: number): void;
  /** Input became readable on the slave side. */
  inputReady(): void;
}

const NL = 0x0a;
const CR = 0x0d;

/**
 * n_tty's input and output processing for one terminal. Input (typed at the master) is edited
 * in canonical mode into lines; in raw mode it is readable at once. Reads and the waits for them
 * are the terminal's; this class only holds and shapes the bytes.
 */
export class LineDiscipline {
  termios: Termios = defaultTermios();
  /** Completed input the slave can read (canonical: whole lines, each ending a record). */
  readonly #ready: number[] = [];
  /** Canonical mode: how many bytes at the head of `#ready` each pending line has (EOF lines may be 0). */
  readonly #lineLengths: number[] = [];
  /** Canonical mode: the line being edited. */
  #editing: number[] = [];

  constructor(private readonly host: LineDisciplineHost) {}

  get canonical(): boolean {
    return (this.termios.lflag & ICANON) !== 0;
  }

  /** Bytes a read could return now (FIONREAD), or in canonical mode whether a line is complete. */
  get available(): number {
    return this.#ready.length;
  }

  /** Whether a read would return at once (data, or an end-of-file line). */
  get readable(): boolean {
    return this.canonical ? this.#lineLengths.length > 0 : this.#ready.length > 0;
  }

  /** TCSETS*: new settings; leaving canonical mode makes the partial line readable, as Linux. */
  setTermios(t: Termios): void {
    const wasCanonical = this.canonical;
    this.termios = t;
    if (wasCanonical && !this.canonical) {
      this.#ready.push(...this.#editing);
      this.#editing = [];
      this.#lineLengths.length = 0;
      if (this.#ready.length > 0) this.host.inputReady();
    } else if (!wasCanonical && this.canonical && this.#ready.length > 0) {
      this.#lineLengths.length = 0;
      this.#lineLengths.push(this.#ready.length); // what was typed raw reads as one record
    }
  }

  /** Throw away pending input (TCFLSH, or a signal character without NOFLSH). */
  flushInput(): void {
    this.#ready.length = 0;
    this.#lineLengths.length = 0;
    this.#editing = [];
  }

  /** Take up to `buf.length` bytes for a slave read (canonical: at most the first line). */
  take(buf: Uint8Array): number {
    let limit = this.#ready.length;
    if (this.canonical) {
      if (this.#lineLengths.length === 0) return 0;
      limit = this.#lineLengths[0]!;
    }
    const n = Math.min(limit, buf.length);
    for (let i = 0; i < n; i++) buf[i] = this.#ready[i]!;
    this.#ready.splice(0, n);
    if (this.canonical) {
      if (n === limit) this.#lineLengths.shift();
      else this.#lineLengths[0] = limit - n;
    }
    return n;
  }

  /** Bytes typed at the master: process each as n_tty does. */
  receive(input: Uint8Array): void {
    const before = this.#ready.length + this.#lineLengths.length;
    const echo: number[] = [];
    for (let c of input) {
      const { iflag, lflag, cc } = this.termios;
      if (iflag & ISTRIP) c &= 0x7f;
      if (c === CR) {
        if (iflag & IGNCR) continue;
        if (iflag & ICRNL) c = NL;
      } else if (c === NL && iflag & INLCR) {
        c = CR;
      }
      if (lflag & ISIG) {
        const signo = c === cc[VINTR] ? Signo.SIGINT : c === cc[VQUIT] ? Signo.SIGQUIT : c === cc[VSUSP] ? Signo.SIGTSTP : 0;
        if (signo !== 0 && c !== 0) {
          if ((lflag & NOFLSH) === 0) this.flushInput();
          if (lflag & ECHO) echo.push(...this.#echoForm(c));
          this.#flushEcho(echo);
          this.host.signal(signo);
          continue;
        }
      }
      if (lflag & ICANON) this.#canonical(c, echo);
      else {
        this.#ready.push(c);
        if (lflag & ECHO) echo.push(...this.#echoForm(c));
      }
    }
    this.#flushEcho(echo);
    if (this.#ready.length + this.#lineLengths.length !== before || this.readable) this.host.inputReady();
  }

  #canonical(c: number, echo: number[]): void {
    const { lflag, cc } = this.termios;
    const echoing = (lflag & ECHO) !== 0;
    if (c !== 0 && (c === cc[VERASE] || (c === cc[VWERASE] && lflag & IEXTEN))) {
      const words = c === cc[VWERASE];
      let erased = 0;
      // A word erase first drops trailing blanks, then the word.
      while (words && this.#editing.length > 0 && this.#editing.at(-1) === 0x20) erased += this.#eraseOne();
      do erased += this.#eraseOne();
      while (words && this.#editing.length > 0 && this.#editing.at(-1) !== 0x20);
      if (echoing && lflag & ECHOE) for (let i = 0; i < erased; i++) echo.push(8, 0x20, 8);
      else if (echoing && erased > 0) echo.push(...this.#echoForm(c));
      return;
    }
    if (c !== 0 && c === cc[VKILL]) {
      const n = this.#editing.length;
      this.#editing = [];
      if (echoing && lflag & ECHOKE) for (let i = 0; i < n; i++) echo.push(8, 0x20, 8);
      else if (echoing && lflag & ECHOK) echo.push(...this.#echoForm(c), NL);
      return;
    }
    if (c !== 0 && c === cc[VEOF]) {
      this.#completeLine();
      return;
    }
    const endsLine = c === NL || (c !== 0 && (c === cc[VEOL] || c === cc[VEOL2]));
    this.#editing.push(c);
    if (echoing || (c === NL && lflag & ECHONL)) echo.push(...this.#echoForm(c));
    if (endsLine) this.#completeLine();
  }

  /** Erase the last character of the line being edited: 1 if there was one. */
  #eraseOne(): number {
    if (this.#editing.length === 0) return 0;
    // A UTF-8 character goes whole: drop continuation bytes with their lead byte.
    while (this.#editing.length > 0 && (this.#editing.pop()! & 0xc0) === 0x80);
    return 1;
  }

  #completeLine(): void {
    this.#ready.push(...this.#editing);
    this.#lineLengths.push(this.#editing.length);
    this.#editing = [];
  }

  /** How `c` is echoed: control characters as ^X under ECHOCTL (not tab or newline). */
  #echoForm(c: number): number[] {
    if (this.termios.lflag & ECHOCTL && (c < 0x20 || c === 0x7f) && c !== NL && c !== 9 && c !== CR) {
      return [0x5e, c ^ 0x40];
    }
    return [c];
  }

  #flushEcho(echo: number[]): void {
    if (echo.length === 0) return;
    this.host.output(this.processOutput(echo));
    echo.length = 0;
  }

  /** Output processing (OPOST): ONLCR turns NL into CR NL, OCRNL turns CR into NL. */
  processOutput(bytes: Iterable<number>): number[] {
    const { oflag } = this.termios;
    const out: number[] = [];
    for (const c of bytes) {
      if (oflag & OPOST && c === NL && oflag & ONLCR) out.push(CR, NL);
      else if (oflag & OPOST && c === CR && oflag & OCRNL) out.push(NL);
      else out.push(c);
    }
    return out;
  }
}
