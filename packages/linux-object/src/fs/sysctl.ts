/**
 * /proc/sys: the kernel's settings under Linux's names, each value the one this kernel works by
 * (its limits, its loopback network's ports and TTL), so programs that read them (libcap's
 * cap_last_cap, Go's somaxconn, `ipcs -l`, systemd's boot_id) learn what holds here. The values
 * are fixed, so the files are read-only (0444), but for the host and domain names, 0644 as
 * Linux's; those change through sethostname and setdomainname (a write answers EINVAL). As Linux's sysctl_perm, the mode alone decides who may open a
 * file: root too gets EACCES writing one.
 *
 * @module
 */
import { PAGE_SIZE } from '@rvisor/zircon-object';
import { CAP_LAST_CAP, NGROUPS_MAX, NR_OPEN } from '../abi/process.js';
import { MSGMAX, MSGMNB, MSGMNI } from '../ipc/msg.js';
import { SEMMNI, SEMMSL, SEMOPM } from '../ipc/sem.js';
import { SHMMAX, SHMMNI } from '../ipc/shm.js';
import { DEFAULT_HOP_LIMIT } from '../net/inet-socket.js';
import { EPHEMERAL_FIRST, EPHEMERAL_LAST, PING_GROUP_RANGE, UNPRIVILEGED_PORT_START } from '../net/loopback.js';
import type { Kernel } from '../process/kernel.js';
import { fillRandom } from '../random.js';
import { PIPE_MAX_SIZE } from './pipe.js';
import { SOMAXCONN } from './unix-socket.js';

/** A setting: its path under /proc/sys, its text, and its mode when not 0444. */
export type Sysctl = readonly [path: string, value: () => string, mode?: number];

/** A random (version 4) UUID as text, as /proc/sys/kernel/random/uuid gives one. */
export function randomUuid(): string {
  const b = new Uint8Array(16);
  fillRandom(b);
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const hex = Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** The settings of `kernel`, whose release is `release` and boot id `bootId`. */
export function sysctls(kernel: Kernel, release: string, bootId: string): Sysctl[] {
  const line = (v: string | number) => () => `${v}\n`;
  return [
    ['fs/nr_open', line(NR_OPEN)],
    ['fs/pipe-max-size', line(PIPE_MAX_SIZE)],
    ['kernel/cap_last_cap', line(CAP_LAST_CAP)],
    ['kernel/domainname', () => `${kernel.domainname}\n`, 0o644],
    ['kernel/hostname', () => `${kernel.hostname}\n`, 0o644],
    ['kernel/msgmax', line(MSGMAX)],
    ['kernel/msgmnb', line(MSGMNB)],
    ['kernel/msgmni', line(MSGMNI)],
    ['kernel/ngroups_max', line(NGROUPS_MAX)],
    ['kernel/osrelease', line(release)],
    ['kernel/ostype', line('Linux')],
    ['kernel/random/boot_id', line(bootId)],
    ['kernel/random/entropy_avail', line(256)], // the pool Linux reports since 5.18: always full
    ['kernel/random/poolsize', line(256)],
    ['kernel/random/uuid', () => `${randomUuid()}\n`],
    ['kernel/sem', line(`${SEMMSL}\t${SEMMSL * SEMMNI}\t${SEMOPM}\t${SEMMNI}`)], // semmsl semmns semopm semmni
    ['kernel/shmall', line(Math.floor(SHMMAX / PAGE_SIZE))],
    ['kernel/shmmax', line(SHMMAX)],
    ['kernel/shmmni', line(SHMMNI)],
    ['net/core/somaxconn', line(SOMAXCONN)],
    ['net/ipv4/ip_default_ttl', line(DEFAULT_HOP_LIMIT)],
    ['net/ipv4/ip_local_port_range', line(`${EPHEMERAL_FIRST}\t${EPHEMERAL_LAST}`)],
    ['net/ipv4/ip_unprivileged_port_start', line(UNPRIVILEGED_PORT_START)],
    ['net/ipv4/ping_group_range', line(`${PING_GROUP_RANGE[0]}\t${PING_GROUP_RANGE[1]}`)],
  ];
}
