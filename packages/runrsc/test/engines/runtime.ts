import { execPath } from 'node:process';
import { chmodSync, existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CLI } from '../paths.js';

/** Where the engine tests' OCI runtime comes from. */
export interface EngineRuntime {
  /** The absolute path of the runc-compatible binary the engines are told to use. */
  path: string;
  /** True when it is runrsc (the default); false when RVISOR_ENGINE_RUNTIME names another one. */
  isRunrsc: boolean;
}

/**
 * Writes `runrsc` into `dir`: a shell script that runs the built CLI with this Node, so an
 * engine can exec it as it would exec runc (conmon and the runc shim do not know Node). It leaves
 * out NODE_EXTRA_CA_CERTS, as the package's bin does (docs/engines.md).
 */
export function writeRunrscWrapper(dir: string): string {
  const path = join(dir, 'runrsc');
  const quote = (s: string): string => `'${s.replaceAll("'", `'\\''`)}'`;
  writeFileSync(path, `#!/bin/sh\nunset NODE_EXTRA_CA_CERTS\nexec ${quote(execPath)} ${quote(CLI)} "$@"\n`);
  chmodSync(path, 0o755);
  return path;
}

/**
 * The OCI runtime every engine test uses: the binary named by RVISOR_ENGINE_RUNTIME (say
 * /usr/sbin/runc, to check the tests themselves), else a runrsc wrapper written into `dir`.
 */
export function engineRuntime(dir: string): EngineRuntime {
  const chosen = process.env['RVISOR_ENGINE_RUNTIME'];
  if (chosen) return { path: chosen, isRunrsc: false };
  return { path: writeRunrscWrapper(dir), isRunrsc: true };
}

/**
 * Why the engine tests cannot run with the chosen runtime, or undefined when they can. Runs with
 * runrsc are switched off by RVISOR_ENGINES=0 (so CI stays green while runrsc's runc verbs land).
 */
export function runtimeSkipReason(): string | undefined {
  const chosen = process.env['RVISOR_ENGINE_RUNTIME'];
  if (chosen) return existsSync(chosen) ? undefined : `RVISOR_ENGINE_RUNTIME=${chosen} does not exist`;
  if (process.env['RVISOR_ENGINES'] === '0') return 'RVISOR_ENGINES=0 switches off the runs with runrsc';
  if (!existsSync(CLI)) return `runrsc is not built (${CLI})`;
  return undefined;
}
