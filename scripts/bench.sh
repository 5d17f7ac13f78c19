#!/usr/bin/env bash
# Runs a benchmark of `folio-bench` (release build) against a fresh private PostgreSQL cluster
# with the server's default durability settings, then removes the cluster.
# Example: scripts/bench.sh provisioning --tenants 1000
#          scripts/bench.sh fakturownia --creates 300   (Folio's added latency per create with Fakturownia)
# `scripts/bench.sh http …` runs scripts/bench-http.sh instead (Folio against a bare server, by wrk).
# FOLIO_BENCH_POSTGRES_SETTINGS adds server settings to the cluster, to find a cost's cause, never
# to report a figure: FOLIO_BENCH_POSTGRES_SETTINGS="-c fsync=off" scripts/bench.sh invoices …
# shows what a create costs without the disk's flushes.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "${1:-}" = http ]; then
    shift
    exec bash scripts/bench-http.sh "$@"
fi
source scripts/postgres.sh
source scripts/packages.sh

pg_ensure_installed
ensure_build_packages
# `status --driver wrk` posts its notifications with wrk.
command -v wrk >/dev/null || apt_install wrk
cluster="$(mktemp -d /tmp/folio-bench-postgres.XXXXXX)"
port="$(pg_free_port 56432)"
trap 'pg_stop "$cluster"; rm -rf "$cluster"' EXIT

# Split into words on purpose: each `-c name=value` is one option.
# shellcheck disable=SC2086
pg_start "$cluster" "$port" ${FOLIO_BENCH_POSTGRES_SETTINGS:-}
pg_create_database "$port" folio_bench

swift build -c release --product folio-bench
export FOLIO_DATABASE_URL="postgres://folio@127.0.0.1:$port/folio_bench?sslmode=disable"
# Line-buffered: a run that stops answering shows the last figure it reached.
stdbuf -oL "$(swift build -c release --show-bin-path)/folio-bench" "$@"
