#!/usr/bin/env bash
# Compares builds of `folio` on GET /health/live, taking turns in each round, with the bare
# Hummingbird health route of `folio-bench baseline-server` measured first in every round.
#
#   scripts/bench-health-ab.sh [--rounds 3] [--duration 8s] FOLIO_BINARY...
#
# For an A/B of a change: copy .build/release/folio aside before and after it, then pass both.
# Besides req/s (wrk -t2 -c32), it prints each server's CPU time per request (user + system,
# from /proc): on a shared machine that drifts less than the rate, and each round gives the
# builds the same conditions. Set PERF_DIR to also `perf record -g` each Folio run into it.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/postgres.sh
source scripts/packages.sh
source scripts/bench-servers.sh

rounds=3
duration=8s
binaries=()
while [ $# -gt 0 ]; do
    case "$1" in
        --rounds) rounds="$2"; shift 2 ;;
        --duration) duration="$2"; shift 2 ;;
        --*) echo "unknown option $1 (see the top of scripts/bench-health-ab.sh)" >&2; exit 64 ;;
        *) binaries+=("$1"); shift ;;
    esac
done
[ ${#binaries[@]} -gt 0 ] || { echo "name at least one folio binary" >&2; exit 64; }

pg_ensure_installed
command -v wrk >/dev/null || apt_install wrk
command -v curl >/dev/null || apt_install curl
if [ -n "${PERF_DIR:-}" ] && ! command -v perf >/dev/null; then apt_install linux-perf; fi
swift build -c release --product folio-bench
bench="$(swift build -c release --show-bin-path)/folio-bench"

cluster="$(mktemp -d /tmp/folio-bench-postgres.XXXXXX)"
run="$(mktemp -d /tmp/folio-bench-ab.XXXXXX)"
servers=()
finish() {
    for pid in "${servers[@]}"; do
        kill -TERM "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    pg_stop "$cluster"
    rm -rf "$cluster" "$run"
}
trap finish EXIT

pg_port="$(pg_free_port 56432)"
pg_start "$cluster" "$pg_port"
pg_create_database "$pg_port" folio_bench
database_url="postgres://folio@127.0.0.1:$pg_port/folio_bench?sslmode=disable"
FOLIO_DATABASE_URL="$database_url" "$bench" http-seed --invoices 1 >"$run/seed.env"
vault_keys="$(sed -n 's/^FOLIO_BENCH_VAULT_KEYS=//p' "$run/seed.env")"

# measure NAME PID URL: warms URL, then prints req/s and the server's CPU per request.
measure() {
    local name="$1" pid="$2" url="$3"
    wrk -t2 -c32 -d2s "$url" >/dev/null
    local before after
    before="$(awk '{print $14 + $15}' "/proc/$pid/stat")"
    wrk -t2 -c32 -d"$duration" "$url" >"$run/wrk.txt"
    after="$(awk '{print $14 + $15}' "/proc/$pid/stat")"
    awk -v name="$name" -v ticks="$((after - before))" -v hz="$(getconf CLK_TCK)" '
        /requests in/ { requests = $1 }
        /Non-2xx/ { failed = $NF }
        /Requests\/sec/ { rate = $2 }
        END { printf "  %-28s %9.0f req/s  %6.1f us CPU per request  %d non-2xx\n", name, rate, ticks * 1e6 / hz / requests, failed }
    ' "$run/wrk.txt"
}

bare_port="$(pg_free_port 18180)"
"$bench" baseline-server --port "$bare_port" --database-url "$database_url" >"$run/baseline.log" 2>&1 &
bare_pid=$!
servers+=("$bare_pid")
wait_ready "http://127.0.0.1:$bare_port/health" "$bare_pid" || { tail -n 40 "$run/baseline.log" >&2; exit 1; }

for round in $(seq 1 "$rounds"); do
    echo "round $round"
    measure "bare /health" "$bare_pid" "http://127.0.0.1:$bare_port/health"
    for index in "${!binaries[@]}"; do
        binary="${binaries[$index]}"
        port="$(pg_free_port 18080)"
        start_folio_serve "$binary" "$port" "$database_url" "$vault_keys" "bench_$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')" "$run/folio.log"
        pid=$!
        servers+=("$pid")
        wait_ready "http://127.0.0.1:$port/health/ready" "$pid" || { tail -n 40 "$run/folio.log" >&2; exit 1; }
        perf_pid=""
        if [ -n "${PERF_DIR:-}" ]; then
            perf record -g -o "$PERF_DIR/folio-$index-round-$round.data" -p "$pid" -- sleep 6 2>/dev/null &
            perf_pid=$!
        fi
        measure "$index: $binary" "$pid" "http://127.0.0.1:$port/health/live"
        if [ -n "$perf_pid" ]; then wait "$perf_pid" || true; fi
        kill -TERM "$pid"
        wait "$pid" 2>/dev/null || true
    done
done
