import type { OciProcess } from './runtime.js';

/** The Any type URL containerd uses for an exec's process spec (its value is OCI Process JSON). */
export const PROCESS_SPEC_TYPE_URL = 'types.containerd.io/opencontainers/runtime-spec/1/Process';

/**
 * Decodes an exec's OCI Process JSON, checking what running it needs. Returns an error message
 * instead of throwing, so the caller picks the gRPC code.
 */
export function parseProcessSpec(value: Uint8Array): OciProcess | string {
  let spec: unknown;
  try {
    spec = JSON.parse(Buffer.from(value).toString('utf8'));
  } catch (err) {
    return `exec spec is not JSON: ${(err as Error).message}`;
  }
  if (typeof spec !== 'object' || spec === null || Array.isArray(spec)) return 'exec spec must be a JSON object';
  const p = spec as Record<string, unknown>;
  if (!Array.isArray(p.args) || p.args.length === 0 || !p.args.every((a) => typeof a === 'string')) {
    return 'exec spec: args must be a non-empty array of strings';
  }
  if (p.cwd !== undefined && (typeof p.cwd !== 'string' || !p.cwd.startsWith('/'))) {
    return 'exec spec: cwd must be an absolute path';
  }
  if (p.env !== undefined && (!Array.isArray(p.env) || !p.env.every((e) => typeof e === 'string'))) {
    return 'exec spec: env must be an array of strings';
  }
  const user = (p.user ?? {}) as Record<string, unknown>;
  if (typeof user !== 'object' || (user.uid !== undefined && !Number.isInteger(user.uid)) || (user.gid !== undefined && !Number.isInteger(user.gid))) {
    return 'exec spec: user.uid and user.gid must be integers';
  }
  return {
    ...(p as object),
    args: p.args as string[],
    cwd: (p.cwd as string | undefined) ?? '/',
    user: { ...(user as object), uid: (user.uid as number | undefined) ?? 0, gid: (user.gid as number | undefined) ?? 0 },
  } as OciProcess;
}
