#!/usr/bin/env bash
# Ingestion throughput of the service against the raw durable RabbitMQ rate, in one run.
#   ./bench.sh [--events N] [--duplicates F[,F...]] [--skip-raw] [--prefetch N] [--window N] ...  (--help for all)
# Export batches over millions of stored completions against a raw COPY of the same rows, and the service's memory:
#   ./bench.sh exports [--completions N[,N...]] ...  (exports --help for all)
# Sustained load: the peak end-to-end rate, then 10 minutes at half of it and a burst at it (latency, memory, queue):
#   ./bench.sh sustained [--minutes M] [--fraction F | --rate R] [--peak R] [--burst-seconds S] ...  (sustained --help)
# Uses ACCREDITATION_BENCH_POSTGRES / ACCREDITATION_BENCH_RABBITMQ when set, else throwaway local servers
# (installing rabbitmq-server / the PostgreSQL server first if missing, as test.sh does).
set -euo pipefail
cd "$(dirname "$0")"

. scripts/local-servers.sh
ensure_local_servers bench.sh ACCREDITATION_BENCH_RABBITMQ ACCREDITATION_BENCH_POSTGRES

project=bench/AccreditationReporting.Bench
dotnet build "$project" -c Release -nologo -v quiet
exec dotnet run -c Release --no-build --project "$project" -- "$@"
