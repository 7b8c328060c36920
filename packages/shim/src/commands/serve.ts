import { chmodSync, closeSync, constants, openSync, rmSync, writeSync } from 'node:fs';
import { Task } from '../gen/github.com/containerd/containerd/runtime/v2/task/shim_pb.js';
import type { ShimArgs } from '../flags.js';
import { fdLogger } from '../logger.js';
import type { Logger } from '../logger.js';
import { MemoryPublisher, TtrpcPublisher } from '../task/events.js';
import type { EventPublisher } from '../task/events.js';
import { openFifoIO } from '../task/io.js';
import { hostMounter } from '../task/mount.js';
import { RunrscRuntime } from '../task/runrsc-runtime.js';
import { TaskService } from '../task/service.js';
import { TtrpcServer } from '../ttrpc/server.js';
import { codeName } from '../ttrpc/codes.js';
import { runtimeRoot } from './delete.js';

/** How long a shutting-down shim tries to deliver events still queued. */
const FLUSH_EVENTS_MS = 5000;

/** Opens the bundle's `log` FIFO (containerd holds it open read-write, so this does not block). */
function openLog(): number {
  try {
    return openSync('log', constants.O_WRONLY | constants.O_NONBLOCK);
  } catch {
    return openSync('/dev/null', 'w');
  }
}

/**
 * The shim daemon: serves containerd.task.v2.Task on `args.socket` until a Shutdown finds no
 * container left, or SIGTERM. Tells `start` it is listening by writing to fd 3 when `readyFd`.
 */
export async function serveShim(args: ShimArgs, readyFd?: number): Promise<void> {
  const logFd = openLog();
  const log: Logger = fdLogger(logFd, { namespace: args.namespace, id: args.id, runtime: 'io.containerd.rvisor.v1' }, args.debug);
  try {
    const { setChildSubreaper } = await import('@rvisor/trap-native');
    // Orphaned processes of our containers come back to us rather than to init.
    setChildSubreaper();
  } catch (err) {
    log.warn(`not a child subreaper: ${(err as Error).message}`);
  }
  const ttrpcAddress = process.env.TTRPC_ADDRESS;
  const publisher: EventPublisher & { close?: () => void } = ttrpcAddress
    ? new TtrpcPublisher(ttrpcAddress, args.namespace, (m) => log.warn(m))
    : new MemoryPublisher();
  if (!ttrpcAddress) log.warn('TTRPC_ADDRESS is not set: events are not forwarded');

  const server = new TtrpcServer({
    log: (m) => log.error(m),
    onCall: (_service, method, code) => log.debug(code < 0 ? `${method} called` : `${method}: ${codeName(code)}`),
  });
  let stopping = false;
  const stop = async (reason: string) => {
    if (stopping) return;
    stopping = true;
    log.info(`shim exiting: ${reason}`);
    await server.close();
    rmSync(args.socket, { force: true });
    await Promise.race([publisher.flush(), new Promise((r) => setTimeout(r, FLUSH_EVENTS_MS))]);
    publisher.close?.();
    closeSync(logFd);
    process.exit(0);
  };
  const service = new TaskService({
    runtime: new RunrscRuntime({ root: runtimeRoot(args.namespace), log: (m) => log.warn(m) }),
    publisher,
    openIO: openFifoIO,
    mounter: hostMounter,
    onShutdown: () => void stop('shutdown'),
    log: (m) => log.warn(m),
  });
  server.register(Task, service);
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('uncaughtException', (err) => log.error(`uncaught: ${err.stack ?? err.message}`));
  process.on('unhandledRejection', (err) => log.error(`unhandled rejection: ${String(err)}`));

  await server.listen(args.socket);
  if (!args.socket.startsWith('\0')) chmodSync(args.socket, 0o600);
  log.info(`shim listening on ${args.socket}`);
  if (readyFd !== undefined) {
    writeSync(readyFd, 'ready\n');
    closeSync(readyFd);
  }
}
