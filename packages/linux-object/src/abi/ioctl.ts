/**
 * ioctl(2) request numbers for terminals and generic file ioctls (x86-64, asm-generic/ioctls.h).
 *
 * @module
 */
import { Errno, KernelError } from '../errno.js';

export const TCGETS = 0x5401;
export const TCSETS = 0x5402;
export const TCSETSW = 0x5403;
export const TCSETSF = 0x5404;
export const TCGETA = 0x5405;
export const TCSETA = 0x5406;
export const TCSETAW = 0x5407;
export const TCSETAF = 0x5408;
export const TCSBRK = 0x5409;
export const TCXONC = 0x540a;
export const TCFLSH = 0x540b;
export const TIOCEXCL = 0x540c;
export const TIOCNXCL = 0x540d;
export const TIOCSCTTY = 0x540e;
export const TIOCGPGRP = 0x540f;
export const TIOCSPGRP = 0x5410;
export const TIOCOUTQ = 0x5411;
export const TIOCSTI = 0x5412;
export const TIOCGWINSZ = 0x5413;
export const TIOCSWINSZ = 0x5414;
export const TIOCMGET = 0x5415;
export const TIOCMBIS = 0x5416;
export const TIOCMBIC = 0x5417;
export const TIOCMSET = 0x5418;
export const TIOCGSOFTCAR = 0x5419;
export const TIOCSSOFTCAR = 0x541a;
export const FIONREAD = 0x541b;
export const TIOCINQ = FIONREAD;
export const TIOCLINUX = 0x541c;
export const TIOCCONS = 0x541d;
export const TIOCGSERIAL = 0x541e;
export const TIOCSSERIAL = 0x541f;
export const TIOCPKT = 0x5420;
export const FIONBIO = 0x5421;
export const TIOCNOTTY = 0x5422;
export const TIOCSETD = 0x5423;
export const TIOCGETD = 0x5424;
export const TCSBRKP = 0x5425;
export const TIOCSBRK = 0x5427;
export const TIOCCBRK = 0x5428;
export const TIOCGSID = 0x5429;
export const TCGETS2 = 0x802c542a;
export const TCSETS2 = 0x402c542b;
export const TCSETSW2 = 0x402c542c;
export const TCSETSF2 = 0x402c542d;
export const TIOCGPTN = 0x80045430;
export const TIOCSPTLCK = 0x40045431;
export const TIOCGPTPEER = 0x5441;
export const FIONCLEX = 0x5450;
export const FIOCLEX = 0x5451;
export const FIOASYNC = 0x5452;

/** Size of the kernel's `struct termios` (TCGETS/TCSETS*): 4 flag words, c_line, 19 c_cc. */
export const TERMIOS_SIZE = 36;
/** Size of `struct termios2` (TCGETS2/TCSETS2*): termios plus c_ispeed, c_ospeed. */
export const TERMIOS2_SIZE = 44;
/** Size of `struct winsize` (TIOCGWINSZ/TIOCSWINSZ): rows, cols, xpixel, ypixel (u16 each). */
export const WINSIZE_SIZE = 8;

/** tcflush's queues (TCFLSH's argument) and tcflow's actions (TCXONC's). */
export const TCIFLUSH = 0;
export const TCOFLUSH = 1;
export const TCIOFLUSH = 2;
export const TCION = 3;

/**
 * The terminal requests whose argument is a value, not a pointer (tcflush, tcflow,
 * tcsendbreak, tcdrain): their callers hand it to the file as a 4-byte int.
 */
export function terminalIoctlByValue(request: number): boolean {
  return request === TCFLSH || request === TCXONC || request === TCSBRK || request === TCSBRKP;
}

/**
 * Check a by-value terminal request's argument (`arg`, a 4-byte int) as Linux's tty layer does:
 * EINVAL for a queue or action tcflush and tcflow do not know. Returns the value.
 */
export function terminalIoctlValue(request: number, arg: Uint8Array): number {
  const v = new DataView(arg.buffer, arg.byteOffset, 4).getInt32(0, true);
  if (request === TCFLSH && (v < TCIFLUSH || v > TCIOFLUSH)) throw new KernelError(Errno.EINVAL);
  if (request === TCXONC && (v < 0 || v > TCION)) throw new KernelError(Errno.EINVAL);
  return v;
}

/**
 * How many bytes a terminal ioctl reads or writes through its pointer argument, so the syscall
 * layer knows what to copy between guest memory and the `arg` buffer; `undefined` when the
 * request takes its argument by value or is not a terminal request.
 */
export function terminalIoctlArgSize(request: number): number | undefined {
  switch (request) {
    case TCGETS:
    case TCSETS:
    case TCSETSW:
    case TCSETSF:
      return TERMIOS_SIZE;
    case TCGETS2:
    case TCSETS2:
    case TCSETSW2:
    case TCSETSF2:
      return TERMIOS2_SIZE;
    case TIOCGWINSZ:
    case TIOCSWINSZ:
      return WINSIZE_SIZE;
    case TIOCGPGRP:
    case TIOCSPGRP:
    case TIOCGSID:
    case TIOCOUTQ:
    case FIONREAD:
    case TIOCGETD:
    case TIOCSETD:
    case TIOCGPTN:
    case TIOCSPTLCK:
      return 4;
    default:
      return undefined;
  }
}
