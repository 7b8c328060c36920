#!/usr/bin/env node
// Adds up the test results of every workspace package and prints one final line
// `N passed, N failed[, N skipped]`, which CI reads.
//
// Inputs: each package's vitest JSON report (written by scripts/test.sh to
// <package>/.turbo/vitest-results.json) and the packaging check's report
// (build/test-results/packaging.json). A package whose report is missing counts as one failure:
// its test run crashed or never started.
//
// Exits 1 if anything failed, 0 otherwise.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = fileURLToPath(new URL('..', import.meta.url));

/** Where scripts/test.sh asks vitest to write its JSON report, relative to a package. */
export const VITEST_REPORT = '.turbo/vitest-results.json';
/** Where scripts/check-packages.mjs writes its report, relative to the repository root. */
export const PACKAGING_REPORT = 'build/test-results/packaging.json';

/** Workspace package directories that have a `test` script. */
export function testedPackageDirs(root = repoRoot) {
  const dirs = readdirSync(join(root, 'packages'), { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => join(root, 'packages', d.name));
  dirs.push(join(root, 'examples'));
  return dirs.filter((dir) => {
    const manifest = join(dir, 'package.json');
    if (!existsSync(manifest)) return false;
    return Boolean(JSON.parse(readFileSync(manifest, 'utf8')).scripts?.test);
  });
}

/**
 * Counts one vitest JSON report. A test file that failed before running any test (a syntax error,
 * a failing import, a crashing globalSetup) has no assertion results: it counts as one failure.
 */
export function countVitestReport(report) {
  let failed = report.numFailedTests ?? 0;
  for (const file of report.testResults ?? []) {
    if (file.status === 'failed' && (file.assertionResults ?? []).length === 0) failed += 1;
  }
  // A run that failed with no failing test or file (e.g. an unhandled error) is still a failure.
  if (report.success === false && failed === 0 && (report.numTotalTests ?? 0) > 0) failed = 1;
  return {
    passed: report.numPassedTests ?? 0,
    failed,
    skipped: (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0),
  };
}

function main() {
  const total = { passed: 0, failed: 0, skipped: 0 };
  const add = (c) => {
    total.passed += c.passed;
    total.failed += c.failed;
    total.skipped += c.skipped;
  };

  console.log('\nTest results by package:');
  for (const dir of testedPackageDirs()) {
    const name = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).name;
    const reportPath = join(dir, VITEST_REPORT);
    if (!existsSync(reportPath)) {
      console.log(`  ${name}: no report at ${relative(repoRoot, reportPath)}, its tests did not run: 1 failed`);
      add({ passed: 0, failed: 1, skipped: 0 });
      continue;
    }
    const counts = countVitestReport(JSON.parse(readFileSync(reportPath, 'utf8')));
    console.log(`  ${name}: ${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped`);
    add(counts);
  }

  const packagingPath = join(repoRoot, PACKAGING_REPORT);
  if (existsSync(packagingPath)) {
    const packaging = JSON.parse(readFileSync(packagingPath, 'utf8'));
    console.log(`  packaging check: ${packaging.passed} passed, ${packaging.failed} failed`);
    add({ passed: packaging.passed, failed: packaging.failed, skipped: 0 });
  } else {
    console.log(`  packaging check: no report at ${PACKAGING_REPORT} (it did not run)`);
    add({ passed: 0, failed: 1, skipped: 0 });
  }

  const skipped = total.skipped > 0 ? `, ${total.skipped} skipped` : '';
  console.log(`${total.passed} passed, ${total.failed} failed${skipped}`);
  return total.failed > 0 ? 1 : 0;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  process.exitCode = main();
}
