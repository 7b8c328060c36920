/**
 * The network interface ioctls of sockets (Linux's dev_ioctl: SIOCGIF*), answered for the one
 * interface a container has, its loopback `lo`. glibc's if_nametoindex and if_indextoname,
 * busybox ifconfig and many daemons ask these.
 *
 * @module
 */
import {
  CAP_NET_ADMIN, Errno, InetSocket, KernelError, LOOPBACK, NetlinkSocket, UnixSocket, capable, type OpenFile,
} from '@rvisor/linux-object';
import { bytesToString } from '@rvisor/zircon-object';
import type { SyscallContext } from '../context.js';

const SIOCGIFNAME = 0x8910;
const SIOCGIFCONF = 0x8912;
const SIOCGIFFLAGS = 0x8913;
const SIOCGIFADDR = 0x8915;
const SIOCGIFNETMASK = 0x891b;
const SIOCGIFMTU = 0x8921;
const SIOCGIFHWADDR = 0x8927;
const SIOCGIFINDEX = 0x8933;
const SIOCGIFTXQLEN = 0x8942;
const SIOCSIFTXQLEN = 0x8943;
/** The set requests (SIOCSIFFLAGS … SIOCSIFTXQLEN, and the others of 0x89xx): configuring interfaces. */
const SIOCSIF = new Set([0x8914, 0x8916, 0x8918, 0x891a, 0x891c, 0x891e, 0x8922, 0x8924, 0x8934, SIOCSIFTXQLEN]);

/** sizeof(struct ifreq): the name, then a 24-byte union. */
const IFREQ_SIZE = 40;
const IFNAMSIZ = 16;
const AF_INET = 2;

/** Whether `req` is an interface ioctl this module answers for sockets (of any family, as Linux's sock_do_ioctl). */
export function isInterfaceIoctl(file: OpenFile, req: number): boolean {
  const socket = file instanceof InetSocket || file instanceof UnixSocket || file instanceof NetlinkSocket;
  return socket && ((req >= 0x8910 && req <= 0x8935) || req === SIOCGIFTXQLEN || req === SIOCSIFTXQLEN);
}

function sockaddrIn(view: DataView, at: number, a: number, b: number, c: number, d: number): void {
  view.setUint16(at, AF_INET, true);
  view.setUint8(at + 4, a);
  view.setUint8(at + 5, b);
  view.setUint8(at + 6, c);
  view.setUint8(at + 7, d);
}

/**
 * Answer interface ioctl `req` of socket `file`; ENODEV for an interface that is not `lo`. The
 * address requests are IPv4's (devinet_ioctl): other sockets answer ENOTTY, as Linux's.
 */
export function interfaceIoctl(ctx: SyscallContext, file: OpenFile, req: number): number {
  const addr = ctx.addr(2);
  if (SIOCSIF.has(req)) {
    if (!capable(ctx.process.cred, CAP_NET_ADMIN)) throw new KernelError(Errno.EPERM);
    throw new KernelError(Errno.EOPNOTSUPP); // the loopback interface is as it is
  }
  if (req === SIOCGIFCONF) return interfaceList(ctx, addr);
  const ifr = ctx.mem.read(addr, IFREQ_SIZE).slice();
  const v = new DataView(ifr.buffer);
  if (req === SIOCGIFNAME) {
    if (v.getInt32(IFNAMSIZ, true) !== LOOPBACK.index) throw new KernelError(Errno.ENODEV);
    ifr.fill(0, 0, IFNAMSIZ);
    ifr.set([0x6c, 0x6f]); // "lo"
    ctx.mem.write(addr, ifr);
    return 0;
  }
  const nul = ifr.subarray(0, IFNAMSIZ).indexOf(0);
  if (bytesToString(ifr.subarray(0, nul < 0 ? IFNAMSIZ : nul)) !== LOOPBACK.name) throw new KernelError(Errno.ENODEV);
  const ipv4 = file instanceof InetSocket && file.family === AF_INET;
  if ((req === SIOCGIFADDR || req === SIOCGIFNETMASK) && !ipv4) throw new KernelError(Errno.ENOTTY);
  ifr.fill(0, IFNAMSIZ);
  switch (req) {
    case SIOCGIFINDEX: v.setInt32(IFNAMSIZ, LOOPBACK.index, true); break;
    case SIOCGIFFLAGS: v.setInt16(IFNAMSIZ, LOOPBACK.flags & 0xffff, true); break; // ifr_flags is 16 bits
    case SIOCGIFMTU: v.setInt32(IFNAMSIZ, LOOPBACK.mtu, true); break;
    case SIOCGIFTXQLEN: v.setInt32(IFNAMSIZ, LOOPBACK.txQueueLength, true); break;
    case SIOCGIFADDR: sockaddrIn(v, IFNAMSIZ, 127, 0, 0, 1); break;
    case SIOCGIFNETMASK: sockaddrIn(v, IFNAMSIZ, 255, 0, 0, 0); break;
    case SIOCGIFHWADDR: v.setUint16(IFNAMSIZ, LOOPBACK.type, true); break;
    default: throw new KernelError(Errno.ENOTTY);
  }
  ctx.mem.write(addr, ifr);
  return 0;
}

/** SIOCGIFCONF: the interfaces with an IPv4 address, one struct ifreq each; with no buffer, the room they need. */
function interfaceList(ctx: SyscallContext, addr: number): number {
  const conf = ctx.mem.read(addr, 16).slice();
  const v = new DataView(conf.buffer);
  const room = v.getInt32(0, true);
  const buf = Number(v.getBigUint64(8, true));
  if (buf === 0) {
    v.setInt32(0, IFREQ_SIZE, true);
  } else {
    if (room < 0) throw new KernelError(Errno.EINVAL);
    let used = 0;
    if (room >= IFREQ_SIZE) {
      const ifr = new Uint8Array(IFREQ_SIZE);
      ifr.set([0x6c, 0x6f]);
      sockaddrIn(new DataView(ifr.buffer), IFNAMSIZ, 127, 0, 0, 1);
      ctx.mem.write(buf, ifr);
      used = IFREQ_SIZE;
    }
    v.setInt32(0, used, true);
  }
  ctx.mem.write(addr, conf.subarray(0, 4));
  return 0;
}
