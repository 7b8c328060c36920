#!/usr/bin/env node
// The packaging check: every published package (packages/*) must pass `publint --strict`, and the
// tarballs `pnpm pack` makes must install together with npm into a scratch project and import.
// trap-native's tarball must carry its built addon.
//
// Prints each check, writes build/test-results/packaging.json ({ passed, failed, failures }) for
// scripts/test-summary.mjs, and exits 1 if any check failed. Run it after `pnpm build`.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = fileURLToPath(new URL('..', import.meta.url));
const reportPath = join(repoRoot, 'build/test-results/packaging.json');
const publintBin = join(repoRoot, 'node_modules/.bin/publint');
/** The file trap-native's tarball must contain (napi's --platform name for linux x64 glibc). */
const TRAP_NATIVE_ADDON = 'trap-native.linux-x64-gnu.node';
/** The packages' bins, run once installed: name, arguments, and what their output must contain. */
const BINS = [
  ['runrsc', ['--version'], 'runrsc version'],
  ['containerd-shim-rvisor-v1', ['-v'], 'containerd-shim-rvisor-v1:'],
];

/** Runs a command, capturing its output; never throws. */
function run(cmd, args, cwd) {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  const output = `${r.stdout ?? ''}${r.stderr ?? ''}${r.error ? String(r.error) : ''}`;
  return { ok: r.status === 0, output };
}

/** Published packages: packages/* whose package.json is not private. */
function publishedPackages() {
  const result = [];
  for (const entry of readdirSync(join(repoRoot, 'packages'), { withFileTypes: true })) {
    if (!entry.isDirectory()) continue;
    const dir = join(repoRoot, 'packages', entry.name);
    const manifestPath = join(dir, 'package.json');
    if (!existsSync(manifestPath)) continue;
    const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
    if (!manifest.private) result.push({ dir, name: manifest.name });
  }
  return result.sort((a, b) => a.name.localeCompare(b.name));
}

const results = [];
function record(name, ok, detail = '') {
  results.push({ name, ok, detail });
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${name}`);
  if (!ok && detail) console.log(detail.trimEnd().replace(/^/gm, '     '));
}

const packages = publishedPackages();
const scratch = mkdtempSync(join(tmpdir(), 'rvisor-packaging-'));
const tarballDir = join(scratch, 'tarballs');
const installDir = join(scratch, 'install');
mkdirSync(tarballDir);
mkdirSync(installDir);

console.log(`Packaging check of ${packages.length} packages`);

for (const pkg of packages) {
  const publint = run(publintBin, ['--strict'], pkg.dir);
  record(`publint --strict ${pkg.name}`, publint.ok, publint.output);
}

const tarballs = new Map();
for (const pkg of packages) {
  const before = new Set(readdirSync(tarballDir));
  const pack = run('pnpm', ['pack', '--pack-destination', tarballDir], pkg.dir);
  const made = readdirSync(tarballDir).filter((f) => !before.has(f) && f.endsWith('.tgz'));
  const ok = pack.ok && made.length === 1;
  record(`pnpm pack ${pkg.name}`, ok, pack.output);
  if (ok) tarballs.set(pkg.name, join(tarballDir, made[0]));
}

const trapNative = tarballs.get('@rvisor/trap-native');
if (trapNative) {
  const list = run('tar', ['-tzf', trapNative], scratch);
  const ok = list.ok && list.output.split('\n').includes(`package/${TRAP_NATIVE_ADDON}`);
  record(`@rvisor/trap-native tarball carries ${TRAP_NATIVE_ADDON}`, ok, list.output);
}

if (tarballs.size > 0) {
  writeFileSync(
    join(installDir, 'package.json'),
    JSON.stringify({ name: 'rvisor-packaging-check', private: true, type: 'module' }, null, 2),
  );
  // All tarballs in one install, so @rvisor/* dependencies resolve to each other, not the registry.
  const install = run(
    'npm',
    ['install', '--no-audit', '--no-fund', '--no-package-lock', '--omit=dev', ...tarballs.values()],
    installDir,
  );
  record(`npm install of ${tarballs.size} tarballs`, install.ok, install.output);
  if (install.ok) {
    for (const name of tarballs.keys()) {
      const imported = run(
        process.execPath,
        ['--input-type=module', '-e', `await import(${JSON.stringify(name)});`],
        installDir,
      );
      record(`import('${name}') from the installed tarball`, imported.ok, imported.output);
    }
    // The bins as npm linked them: each must find its program through the link.
    for (const [bin, args, expected] of BINS) {
      const ran = run(join(installDir, 'node_modules/.bin', bin), args, installDir);
      record(`${bin} ${args.join(' ')} from the installed tarball`, ran.ok && ran.output.includes(expected), ran.output);
    }
  }
}

const failures = results.filter((r) => !r.ok).map((r) => r.name);
const passed = results.length - failures.length;
mkdirSync(join(repoRoot, 'build/test-results'), { recursive: true });
writeFileSync(reportPath, JSON.stringify({ passed, failed: failures.length, failures }, null, 2));

rmSync(scratch, { recursive: true, force: true });
if (failures.length === 0) {
  console.log(`Packaging check: all ${passed} checks passed`);
} else {
  console.log(`Packaging check: ${failures.length} of ${results.length} checks failed`);
  for (const f of failures) console.log(`  - ${f}`);
  process.exitCode = 1;
}
