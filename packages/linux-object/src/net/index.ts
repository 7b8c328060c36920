export {
  AF_INET, AF_INET6, IPV4_ANY, IPV4_LOOPBACK, IPV6_ANY, IPV6_LOOPBACK, ipv4Address, isAnyAddress, isIpv4,
  isLoopbackAddress, localDestination, sameAddress, sourceAddress, type InetAddress, type InetEndpoint,
} from './inet-address.js';
export { EPHEMERAL_FIRST, EPHEMERAL_LAST, IPPROTO_TCP, IPPROTO_UDP, LoopbackNetwork, type PortHolder } from './loopback.js';
export { InetSocket, type InetReceived } from './inet-socket.js';
