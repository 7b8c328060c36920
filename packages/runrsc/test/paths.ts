import { fileURLToPath } from 'node:url';

/** The repository root. */
export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
/** The CLI the acceptance tests drive: the built one, or the script named by RUNRSC_CLI. */
export const CLI = process.env['RUNRSC_CLI'] ?? fileURLToPath(new URL('../dist/runrsc.cjs', import.meta.url));
/** The demo rootfs (examples/scripts/make-busybox-rootfs.sh builds it). */
export const ROOTFS = fileURLToPath(new URL('../../../build/rootfs', import.meta.url));
/** The script that builds a busybox rootfs into the directory it is given. */
export const MAKE_ROOTFS = fileURLToPath(
  new URL('../../../examples/scripts/make-busybox-rootfs.sh', import.meta.url),
);
