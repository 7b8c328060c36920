#!/usr/bin/env node
// Builds a one-layer OCI image archive of the host's static busybox, for `ctr images import`
// without a registry. usage: node scripts/make-busybox-oci.mjs <out.tar> [ref=docker.io/library/busybox:rvisor]
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const [out, ref = 'docker.io/library/busybox:rvisor'] = process.argv.slice(2);
if (!out) {
  console.error('usage: make-busybox-oci.mjs <out.tar> [ref]');
  process.exit(2);
}
const work = mkdtempSync(join(tmpdir(), 'busybox-oci-'));
const rootfs = join(work, 'rootfs');
for (const dir of ['bin', 'dev', 'etc', 'proc', 'sys', 'tmp', 'root']) mkdirSync(join(rootfs, dir), { recursive: true });
chmodSync(join(rootfs, 'tmp'), 0o1777);
copyFileSync('/bin/busybox', join(rootfs, 'bin/busybox'));
chmodSync(join(rootfs, 'bin/busybox'), 0o755);
for (const applet of ['sh', 'echo', 'cat', 'ls', 'sleep', 'true', 'false', 'ps', 'id', 'uname']) symlinkSync('busybox', join(rootfs, 'bin', applet));
writeFileSync(join(rootfs, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/sh\n');
writeFileSync(join(rootfs, 'etc/group'), 'root:x:0:\n');

const blobs = join(work, 'oci/blobs/sha256');
mkdirSync(blobs, { recursive: true });
const sha = (buf) => createHash('sha256').update(buf).digest('hex');
const putBlob = (buf) => {
  const digest = sha(buf);
  writeFileSync(join(blobs, digest), buf);
  return { digest: `sha256:${digest}`, size: buf.length };
};
const layerTar = join(work, 'layer.tar');
execFileSync('tar', ['--numeric-owner', '--owner=0', '--group=0', '-C', rootfs, '-cf', layerTar, '.']);
const layerBytes = readFileSync(layerTar);
const layer = putBlob(layerBytes);
const config = putBlob(
  Buffer.from(
    JSON.stringify({
      architecture: 'amd64',
      os: 'linux',
      config: { Env: ['PATH=/bin'], Cmd: ['sh'] },
      rootfs: { type: 'layers', diff_ids: [layer.digest] },
    }),
  ),
);
const manifest = putBlob(
  Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...config },
      layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar', ...layer }],
    }),
  ),
);
writeFileSync(join(work, 'oci/oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
writeFileSync(
  join(work, 'oci/index.json'),
  JSON.stringify({
    schemaVersion: 2,
    manifests: [
      {
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        ...manifest,
        annotations: { 'org.opencontainers.image.ref.name': ref, 'io.containerd.image.name': ref },
      },
    ],
  }),
);
execFileSync('tar', ['-C', join(work, 'oci'), '-cf', resolve(out), '.']);
rmSync(work, { recursive: true, force: true });
console.log(ref);
