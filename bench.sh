#!/usr/bin/env bash
# Ingestion throughput of the service against the raw durable RabbitMQ rate, in one run.
#   ./bench.sh [--events N] [--duplicates F[,F...]] [--skip-raw] [--prefetch N] [--window N] ...  (--help for all)
# Uses ACCREDITATION_BENCH_POSTGRES / ACCREDITATION_BENCH_RABBITMQ when set, else throwaway local servers
# (installing rabbitmq-server / the PostgreSQL server first if missing, as test.sh does).
set -euo pipefail
cd "$(dirname "$0")"

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
apt_updated=
apt_install() {
  [ -n "$apt_updated" ] || { as_root apt-get update -q >/dev/null; apt_updated=1; }
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$@" >/dev/null
}

if [ -z "${ACCREDITATION_BENCH_RABBITMQ:-}" ] && [ ! -x /usr/sbin/rabbitmq-server ]; then
  echo "bench.sh: installing rabbitmq-server (Debian package) for the throwaway broker"
  apt_install rabbitmq-server
fi

if [ -z "${ACCREDITATION_BENCH_POSTGRES:-}" ] && ! command -v initdb >/dev/null && ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  echo "bench.sh: installing the PostgreSQL server (Debian package) for the throwaway database"
  apt_install postgresql
fi

project=bench/AccreditationReporting.Bench
dotnet build "$project" -c Release -nologo -v quiet
exec dotnet run -c Release --no-build --project "$project" -- "$@"
