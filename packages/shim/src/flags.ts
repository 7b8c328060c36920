/** The command line containerd gives a shim, parsed as Go's `flag` package does. */
export interface ShimArgs {
  /** `-namespace`: the containerd namespace. */
  namespace: string;
  /** `-id`: the task id. */
  id: string;
  /** `-address`: containerd's gRPC socket. */
  address: string;
  /** `-publish-binary`: containerd's binary (for its `publish` command). */
  publishBinary: string;
  /** `-bundle`: given to `delete`; otherwise the cwd is the bundle. */
  bundle: string;
  /** `-socket`: the shim's own socket path (passed to the daemon by `start`). */
  socket: string;
  debug: boolean;
  /** `-v`: print the version and exit, as containerd's shims do. */
  version: boolean;
  /** `start`, `delete`, or '' for the daemon. */
  action: string;
}

const BOOLEAN_FLAGS = new Set(['debug', 'v']);
const STRING_FLAGS: Record<string, keyof ShimArgs> = {
  namespace: 'namespace',
  id: 'id',
  address: 'address',
  'publish-binary': 'publishBinary',
  bundle: 'bundle',
  socket: 'socket',
};

/**
 * Parses `-x v`, `--x v`, `-x=v` and boolean `-debug`; the first non-flag argument is the action.
 * Unknown flags are an error, as in Go.
 */
export function parseShimArgs(argv: readonly string[]): ShimArgs {
  const args: ShimArgs = { namespace: '', id: '', address: '', publishBinary: '', bundle: '', socket: '', debug: false, version: false, action: '' };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith('-') || arg === '-' || arg === '--') {
      args.action = arg === '--' ? (argv[i + 1] ?? '') : arg;
      break;
    }
    const body = arg.replace(/^--?/, '');
    const eq = body.indexOf('=');
    const name = eq >= 0 ? body.slice(0, eq) : body;
    if (BOOLEAN_FLAGS.has(name)) {
      const on = eq < 0 || body.slice(eq + 1) === 'true';
      if (name === 'debug') args.debug = on;
      else args.version = on;
      continue;
    }
    const key = STRING_FLAGS[name];
    if (!key) throw new Error(`flag provided but not defined: -${name}`);
    let value: string | undefined = eq >= 0 ? body.slice(eq + 1) : argv[++i];
    if (value === undefined) throw new Error(`flag needs an argument: -${name}`);
    (args as unknown as Record<string, string>)[key] = value;
  }
  return args;
}
