#!/usr/bin/env bash
# `pnpm test`: every package's vitest tests (through turbo, which builds first), then the packaging
# check, then one summary line `N passed, N failed[, N skipped]` that CI reads.
# Runs every step even when an earlier one fails, and exits non-zero if any failed.
set -uo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo_root"

# The native addon's build needs cargo; a rustup install keeps it in ~/.cargo/bin.
if [[ -f "$HOME/.cargo/env" ]]; then
  # shellcheck disable=SC1091
  . "$HOME/.cargo/env"
fi

# Stale reports from an earlier run must not count.
rm -f packages/*/.turbo/vitest-results.json examples/.turbo/vitest-results.json
rm -rf build/test-results

pnpm exec turbo run test --concurrency=1 --continue -- \
  --passWithNoTests --reporter=default --reporter=json --outputFile.json=.turbo/vitest-results.json
tests_status=$?

node scripts/check-packages.mjs
packaging_status=$?

node scripts/test-summary.mjs
summary_status=$?

if ((tests_status != 0 || packaging_status != 0 || summary_status != 0)); then
  exit 1
fi
