import { writeSync } from 'node:fs';

/** A leveled logger writing logrus-style text lines, which containerd copies into its own log. */
export interface Logger {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
  debug(message: string): void;
}

/** Quotes a value as logrus does when it has spaces or quotes. */
function quote(value: string): string {
  return /^[\w./:@-]*$/.test(value) ? value : JSON.stringify(value);
}

/** Logs to `fd` (the bundle's `log` FIFO for the daemon); debug lines only with `debug`. */
export function fdLogger(fd: number, fields: Record<string, string>, debug = false): Logger {
  const extra = Object.entries(fields)
    .map(([k, v]) => ` ${k}=${quote(v)}`)
    .join('');
  const write = (level: string, message: string) => {
    try {
      writeSync(fd, `time="${new Date().toISOString()}" level=${level} msg=${quote(message)}${extra}\n`);
    } catch {
      // Nobody reads the log any more: keep serving.
    }
  };
  return {
    info: (m) => write('info', m),
    warn: (m) => write('warning', m),
    error: (m) => write('error', m),
    debug: (m) => {
      if (debug) write('debug', m);
    },
  };
}
