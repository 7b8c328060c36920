/**
 * The one network interface a container has: its loopback `lo`, as the interface ioctls,
 * rtnetlink and /sys describe it.
 *
 * @module
 */

export const IFF_UP = 0x1;
export const IFF_LOOPBACK = 0x8;
export const IFF_RUNNING = 0x40;
/** Reported by rtnetlink only: the ioctls' flags are 16 bits wide. */
export const IFF_LOWER_UP = 0x1_0000;
export const ARPHRD_LOOPBACK = 772;

export const LOOPBACK = {
  index: 1,
  name: 'lo',
  type: ARPHRD_LOOPBACK,
  flags: IFF_UP | IFF_LOOPBACK | IFF_RUNNING | IFF_LOWER_UP,
  mtu: 65_536,
  txQueueLength: 1000,
} as const;
