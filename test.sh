#!/usr/bin/env bash
# The README's test command. On a fresh machine it installs what the suite needs and is missing
# (RabbitMQ, and the PostgreSQL server if absent), then runs every test, integration tests included.
# Point the suite at existing servers with ACCREDITATION_TEST_POSTGRES / ACCREDITATION_TEST_RABBITMQ.
set -euo pipefail
cd "$(dirname "$0")"

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
apt_updated=
apt_install() {
  [ -n "$apt_updated" ] || { as_root apt-get update -q >/dev/null; apt_updated=1; }
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$@" >/dev/null
}

if [ -z "${ACCREDITATION_TEST_RABBITMQ:-}" ] && [ ! -x /usr/sbin/rabbitmq-server ]; then
  echo "test.sh: installing rabbitmq-server (Debian package) for the throwaway test broker"
  apt_install rabbitmq-server
fi

if [ -z "${ACCREDITATION_TEST_POSTGRES:-}" ] && ! command -v initdb >/dev/null && ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  echo "test.sh: installing the PostgreSQL server (Debian package) for the throwaway test database"
  apt_install postgresql
fi

results=artifacts/test-results
rm -rf "$results"; mkdir -p "$results"
status=0
dotnet test AccreditationReporting.sln --results-directory "$results" "$@" 2>&1 | tee "$results.log" || status=$?

# One plain closing line that any CI reads: "N passed, N failed, N skipped".
summary=$(grep -E '^(Passed|Failed)!' "$results.log" | sed -E 's/.*Failed: *([0-9]+), Passed: *([0-9]+), Skipped: *([0-9]+).*/\2 \1 \3/' |
  awk '{p+=$1; f+=$2; s+=$3} END {if (NR) printf "%d passed, %d failed, %d skipped\n", p, f, s}')
echo "tests: ${summary:-0 passed, 0 failed}"
exit $status
