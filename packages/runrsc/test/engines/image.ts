import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** The name the engine tests give the busybox image in every engine's store. */
export const TEST_IMAGE = 'localhost/rvisor-busybox:test';

const PATH_ENV = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** Writes `data` as a content-addressed blob of an OCI layout and returns its descriptor. */
function putBlob(layout: string, mediaType: string, data: Buffer): { mediaType: string; digest: string; size: number } {
  const hex = createHash('sha256').update(data).digest('hex');
  writeFileSync(join(layout, 'blobs/sha256', hex), data);
  return { mediaType, digest: `sha256:${hex}`, size: data.length };
}

/**
 * Builds an OCI image archive (an OCI layout in a tar, as `podman save --format oci-archive`
 * writes it) holding one uncompressed layer made of `rootfs`. Both `podman load` and `ctr images
 * import` read it, so neither engine needs a registry. Returns `archive`.
 */
export function buildOciArchive(rootfs: string, workDir: string, archive: string, name = TEST_IMAGE): string {
  const layout = join(workDir, 'oci-layout');
  mkdirSync(join(layout, 'blobs/sha256'), { recursive: true });
  // Owners as numbers, so the image does not depend on the host's user names.
  const layerTar = join(workDir, 'layer.tar');
  execFileSync('tar', ['-C', rootfs, '--numeric-owner', '-cf', layerTar, '.']);
  const layer = putBlob(layout, 'application/vnd.oci.image.layer.v1.tar', readFileSync(layerTar));
  const imageConfig = {
    architecture: 'amd64',
    os: 'linux',
    config: { Env: [PATH_ENV], Cmd: ['/bin/sh'], WorkingDir: '/' },
    // An uncompressed layer's diff id is its own digest.
    rootfs: { type: 'layers', diff_ids: [layer.digest] },
  };
  const config = putBlob(layout, 'application/vnd.oci.image.config.v1+json', Buffer.from(JSON.stringify(imageConfig)));
  const manifest = putBlob(
    layout,
    'application/vnd.oci.image.manifest.v1+json',
    Buffer.from(JSON.stringify({ schemaVersion: 2, config, layers: [layer] })),
  );
  const index = {
    schemaVersion: 2,
    manifests: [
      {
        ...manifest,
        // podman reads the first annotation, containerd's `ctr images import` the second.
        annotations: { 'org.opencontainers.image.ref.name': name, 'io.containerd.image.name': name },
      },
    ],
  };
  writeFileSync(join(layout, 'index.json'), JSON.stringify(index));
  writeFileSync(join(layout, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  const partial = `${archive}.partial`;
  execFileSync('tar', ['-C', layout, '-cf', partial, 'oci-layout', 'index.json', 'blobs']);
  renameSync(partial, archive);
  return archive;
}
