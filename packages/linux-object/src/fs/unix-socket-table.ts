/**
 * The container's live AF_UNIX sockets, which /proc/net/unix lists (Linux's unix_socket_table).
 * They are found where they are held when the listing is made: the processes' fd tables, the
 * connections waiting in listeners' backlogs, and sockets sent with SCM_RIGHTS and not received
 * yet. So socket(2), socketpair(2), accept(2) and close(2) pay nothing for the listing, and a
 * listing costs one pass over the open fds. The UnixSocket that carries an AF_INET socket's
 * bytes is in no fd table, so it is not listed, as it is no AF_UNIX socket.
 *
 * @module
 */
import type { FdTable } from './fd-table.js';
import { UnixSocket } from './unix-socket.js';

/** A live AF_UNIX socket. */
export interface LiveUnixSocket {
  readonly socket: UnixSocket;
  /**
   * A connection in its listener's backlog, not accepted yet: Linux's embryo, which has no
   * inode yet and shows as connecting.
   */
  readonly waiting: boolean;
}

/** The live AF_UNIX sockets reachable from `tables` (a table shared by several processes counts once). */
export function liveUnixSockets(tables: Iterable<FdTable>): LiveUnixSocket[] {
  const found = new Map<UnixSocket, boolean>();
  const unvisited: UnixSocket[] = [];
  const add = (socket: UnixSocket, waiting: boolean): void => {
    if (socket.closed || found.has(socket)) return;
    found.set(socket, waiting);
    unvisited.push(socket);
  };
  const seen = new Set<FdTable>();
  for (const table of tables) {
    if (seen.has(table)) continue;
    seen.add(table);
    for (const [, file] of table.entries()) if (file instanceof UnixSocket) add(file, false);
  }
  // What the sockets found hold: waiting connections, and sockets in flight (which may hold more).
  for (let socket = unvisited.pop(); socket !== undefined; socket = unvisited.pop()) {
    for (const pending of socket.waiting) add(pending, true);
    for (const file of socket.filesInFlight()) if (file instanceof UnixSocket) add(file, false);
  }
  return [...found].map(([socket, waiting]) => ({ socket, waiting }));
}
