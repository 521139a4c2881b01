#!/usr/bin/env bash
# The README's test command. On a fresh machine it installs what the suite needs and is missing
# (RabbitMQ, the PostgreSQL server if absent, Chromium for the console's browser tests), then runs
# every test, integration tests included.
# Point the suite at existing servers with ACCREDITATION_TEST_POSTGRES / ACCREDITATION_TEST_RABBITMQ.
set -euo pipefail
cd "$(dirname "$0")"

. scripts/local-servers.sh
ensure_local_servers test.sh ACCREDITATION_TEST_RABBITMQ ACCREDITATION_TEST_POSTGRES
ensure_chromium test.sh

results=artifacts/test-results
rm -rf "$results" artifacts/faults; mkdir -p "$results"
status=0
dotnet test AccreditationReporting.sln --results-directory "$results" "$@" 2>&1 | tee "$results.log" || status=$?

# One plain closing line that any CI reads: "N passed, N failed, N skipped".
summary=$(grep -E '^(Passed|Failed)!' "$results.log" | sed -E 's/.*Failed: *([0-9]+), Passed: *([0-9]+), Skipped: *([0-9]+).*/\2 \1 \3/' |
  awk '{p+=$1; f+=$2; s+=$3} END {if (NR) printf "%d passed, %d failed, %d skipped\n", p, f, s}')
echo "tests: ${summary:-0 passed, 0 failed}"

# What the fault scenarios checked (README, "Fault suite"): a passing test's output is not shown otherwise.
if [ -f artifacts/faults/figures.txt ]; then cat artifacts/faults/figures.txt; fi
exit $status
