#!/usr/bin/env node
// Copies the containerd .proto files the shim speaks into proto/, with the gogo and fieldpath
// options removed (they only steer Go code generation and would need gogo.proto to compile).
//
// usage: node scripts/vendor-protos.mjs <containerd git dir> [ref=v1.6.20]
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const [gitDir, ref = 'v1.6.20'] = process.argv.slice(2);
if (!gitDir) {
  console.error('usage: vendor-protos.mjs <containerd git dir> [ref]');
  process.exit(2);
}

/** Path in the containerd tree -> import path the other files use. */
const FILES = {
  'runtime/v2/task/shim.proto': 'github.com/containerd/containerd/runtime/v2/task/shim.proto',
  'api/events/task.proto': 'github.com/containerd/containerd/api/events/task.proto',
  'api/types/mount.proto': 'github.com/containerd/containerd/api/types/mount.proto',
  'api/types/task/task.proto': 'github.com/containerd/containerd/api/types/task/task.proto',
  'api/services/ttrpc/events/v1/events.proto':
    'github.com/containerd/containerd/api/services/ttrpc/events/v1/events.proto',
  'vendor/github.com/gogo/googleapis/google/rpc/status.proto': 'google/rpc/status.proto',
};

/** Removes gogoproto and containerd.plugin imports and options; keeps everything else. */
export function stripGoOptions(text) {
  return text
    .split('\n')
    .filter((line) => !/^\s*import weak\s/.test(line))
    .filter((line) => !/^\s*option \((gogoproto|containerd\.plugin)\.[^;]*;\s*$/.test(line))
    .map((line) => line.replace(/\s*\[\((gogoproto|containerd\.plugin)\.[^\]]*\]/g, ''))
    .join('\n');
}

const outRoot = join(dirname(fileURLToPath(import.meta.url)), '..', 'proto');
for (const [source, target] of Object.entries(FILES)) {
  const text = execFileSync('git', ['--git-dir', gitDir, 'show', `${ref}:${source}`], { encoding: 'utf8' });
  const out = join(outRoot, target);
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, stripGoOptions(text));
  console.log(`${source} -> proto/${target}`);
}
