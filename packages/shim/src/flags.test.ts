import { describe, expect, it } from 'vitest';
import { shimAddress, socketPath } from './address.js';
import { parseShimArgs } from './flags.js';

describe('shim command line', () => {
  it('parses the start invocation containerd makes', () => {
    const args = parseShimArgs([
      '-namespace', 'default', '-address', '/run/containerd/containerd.sock',
      '-publish-binary', '/usr/bin/containerd', '-id', 'p1', '-debug', 'start',
    ]);
    expect(args).toMatchObject({
      namespace: 'default', address: '/run/containerd/containerd.sock', publishBinary: '/usr/bin/containerd',
      id: 'p1', debug: true, action: 'start',
    });
  });

  it('accepts --x v and -x=v, and no action for the daemon', () => {
    const args = parseShimArgs(['--namespace', 'k8s.io', '-id=c1', '-bundle=/b']);
    expect(args).toMatchObject({ namespace: 'k8s.io', id: 'c1', bundle: '/b', action: '' });
  });

  it('takes -v for the version', () => {
    expect(parseShimArgs(['-v'])).toMatchObject({ version: true, action: '' });
    expect(parseShimArgs(['-debug'])).toMatchObject({ version: false });
  });

  it('rejects unknown flags and missing values as Go does', () => {
    expect(() => parseShimArgs(['-nope', 'x'])).toThrow('flag provided but not defined: -nope');
    expect(() => parseShimArgs(['-id'])).toThrow('flag needs an argument: -id');
  });
});

describe('shim address', () => {
  it('is the sha256 of address/namespace/id under /run/containerd/s', () => {
    const address = shimAddress('/run/containerd/containerd.sock', 'default', 'p1');
    expect(address).toMatch(/^unix:\/\/\/run\/containerd\/s\/0f0dc63f[0-9a-f]{56}$/);
    expect(socketPath(address)).toBe(address.slice('unix://'.length));
    expect(socketPath('abstract')).toBe('\0abstract');
  });
});
