/**
 * Pid holders as the sandbox sees them. A holder is a tiny host process that the caller of
 * create or exec forks (so the caller, or its subreaper, can wait on it): it connects to the
 * sandbox, forwards the signals it receives, and ends as its guest process ends.
 *
 * Lines from a holder: `hello <pid> <token>` once, then `signal <signo>`.
 * Lines to a holder: `exit <code>` or `kill <signo>`.
 *
 * @module
 */
import type { Socket } from 'node:net';
import { RuntimeError, type HolderRef } from './protocol.js';

/** How long a create or exec waits for its holder to connect. */
const HELLO_TIMEOUT_MS = 10_000;

/** The sandbox's end of one holder's connection. */
export class HolderLink {
  /** A signal the holder received on the host. */
  onSignal: (signo: number) => void = () => {};
  /** The holder went away before being told to end (it was SIGKILLed). */
  onGone: () => void = () => {};
  #ended = false;

  constructor(
    readonly pid: number,
    readonly conn: Socket,
    rest: string,
  ) {
    let buf = rest;
    const lines = (chunk: string) => {
      buf += chunk;
      for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n')) {
        const m = /^signal (\d+)$/.exec(buf.slice(0, nl));
        buf = buf.slice(nl + 1);
        if (m) this.onSignal(Number(m[1]));
      }
    };
    conn.on('data', lines);
    conn.on('close', () => {
      if (!this.#ended) {
        this.#ended = true;
        this.onGone();
      }
    });
    if (rest) queueMicrotask(() => lines(''));
  }

  /** End the holder with exit status `code`. */
  exit(code: number): void {
    this.#end(`exit ${code & 0xff}\n`);
  }

  /** End the holder by signal `signo`. */
  kill(signo: number): void {
    this.#end(`kill ${signo}\n`);
  }

  #end(line: string): void {
    if (this.#ended) return;
    this.#ended = true;
    this.conn.end(line);
  }
}

/** Holders that said hello, matched with the create or exec request that forked them. */
export class HolderRegistry {
  readonly #arrived = new Map<string, HolderLink>();
  readonly #waiting = new Map<string, (link: HolderLink) => void>();

  /** A connection's first line was `hello <pid> <token>`. */
  hello(conn: Socket, line: string, rest: string): void {
    const m = /^hello (\d+) (\S+)$/.exec(line);
    if (!m) {
      conn.destroy();
      return;
    }
    const link = new HolderLink(Number(m[1]), conn, rest);
    const key = `${m[1]} ${m[2]}`;
    const waiter = this.#waiting.get(key);
    if (waiter) {
      this.#waiting.delete(key);
      waiter(link);
    } else {
      this.#arrived.set(key, link);
      conn.on('close', () => this.#arrived.delete(key));
    }
  }

  /** The link of holder `ref`, once it has said hello. */
  take(ref: HolderRef): Promise<HolderLink> {
    const key = `${ref.pid} ${ref.token}`;
    const link = this.#arrived.get(key);
    if (link) {
      this.#arrived.delete(key);
      return Promise.resolve(link);
    }
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiting.delete(key);
        reject(new RuntimeError('internal', `pid holder ${ref.pid} did not connect to the sandbox`));
      }, HELLO_TIMEOUT_MS);
      this.#waiting.set(key, (l) => {
        clearTimeout(timer);
        resolve(l);
      });
    });
  }
}
