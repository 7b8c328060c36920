import { createHash } from 'node:crypto';
import net from 'node:net';

/** Where shims' sockets live, as for containerd's own shims. */
export const SOCKET_DIR = '/run/containerd/s';

/**
 * The shim's socket address for a task or group: `unix:///run/containerd/s/` and the hex
 * sha256 of containerd's address, the namespace and the id joined by `/`.
 */
export function shimAddress(containerdAddress: string, namespace: string, id: string): string {
  const digest = createHash('sha256').update(`${containerdAddress}/${namespace}/${id}`).digest('hex');
  return `unix://${SOCKET_DIR}/${digest}`;
}

/** The socket path of an address: `unix://` paths as they are, others abstract (a leading NUL). */
export function socketPath(address: string): string {
  return address.startsWith('unix://') ? address.slice('unix://'.length) : `\0${address}`;
}

/** Whether something accepts connections at `path`. */
export function canConnect(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.createConnection(path);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
