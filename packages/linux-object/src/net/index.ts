export {
  AF_INET, AF_INET6, IPV4_ANY, IPV4_LOOPBACK, IPV6_ANY, IPV6_LOOPBACK, ipv4Address, isAnyAddress, isIpv4,
  isLoopbackAddress, localDestination, sameAddress, sourceAddress, type InetAddress, type InetEndpoint,
} from './inet-address.js';
export {
  EPHEMERAL_FIRST, EPHEMERAL_LAST, UNPRIVILEGED_PORT_START, IPPROTO_ICMP, IPPROTO_ICMPV6, IPPROTO_TCP, IPPROTO_UDP, IPPROTO_UDPLITE,
  LoopbackNetwork, PING_GROUP_RANGE, type PortHolder,
} from './loopback.js';
export { DEFAULT_HOP_LIMIT, InetSocket, type DatagramHeader, type DatagramOptions, type InetReceived } from './inet-socket.js';
export { ARPHRD_LOOPBACK, IFF_LOOPBACK, IFF_LOWER_UP, IFF_RUNNING, IFF_UP, LOOPBACK } from './loopback-interface.js';
export {
  AF_NETLINK, NETLINK_CAP_ACK, NETLINK_NO_ENOBUFS, NETLINK_ROUTE, NetlinkPorts, NetlinkSocket, type NetlinkAddress,
  type NetlinkAnswer, type NetlinkProtocol, type NetlinkReceived, type NetlinkRequest, type NetlinkSender,
} from './netlink-socket.js';
export { answerRoute } from './rtnetlink.js';
