#!/usr/bin/env bash
# `scripts/bench.sh http`: Folio's health and list routes against a bare Hummingbird 2 +
# postgres-nio server (`folio-bench baseline-server`) on the same database, in one run, driven
# from outside both processes by wrk.
#
#   scripts/bench.sh http [--duration 10s] [--connections 32] [--threads 2] [--warmup 3s]
#                         [--rounds 3] [--invoices 2000] [--bare-request lines|priced|text]
#                         [--tenant-key] [--perf [PATH]] [--perf-run folio-list|folio-health] [--keep]
#
# The same settings come from FOLIO_BENCH_DURATION, FOLIO_BENCH_CONNECTIONS, FOLIO_BENCH_THREADS,
# FOLIO_BENCH_WARMUP and FOLIO_BENCH_ROUNDS. Steps: release builds of folio and folio-bench, a
# private PostgreSQL cluster (default durability), a tenant with N invoices created through
# Folio's API against the sandbox (`folio-bench http-seed`), then `folio serve` configured through
# FOLIO_* variables as in production (request logs at the default level, into a file) and the
# baseline server. Each route is warmed once, then measured in rounds: in each round the bare
# route and Folio's back to back, the bare one first in odd rounds and Folio's first in even ones,
# health then list. A ratio is taken within each round, and the goals are judged on the median
# round: the machine's speed drifts over a run, and a ratio of two runs measured a minute apart
# carries that drift. --perf records the Folio process with `perf record -g` during the first
# round's Folio list run, or during the run --perf-run names.
# --tenant-key lists with a tenant API key instead of a platform key from FOLIO_PLATFORM_KEYS.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/postgres.sh
source scripts/packages.sh
source scripts/bench-servers.sh

duration="${FOLIO_BENCH_DURATION:-10s}"
connections="${FOLIO_BENCH_CONNECTIONS:-32}"
threads="${FOLIO_BENCH_THREADS:-2}"
warmup="${FOLIO_BENCH_WARMUP:-3s}"
rounds="${FOLIO_BENCH_ROUNDS:-3}"
invoices=2000
bare_request=lines
key_kind=platform
perf_output=""
perf_run=folio-list
keep=0
while [ $# -gt 0 ]; do
    case "$1" in
        --duration) duration="$2"; shift 2 ;;
        --connections) connections="$2"; shift 2 ;;
        --threads) threads="$2"; shift 2 ;;
        --warmup) warmup="$2"; shift 2 ;;
        --rounds) rounds="$2"; shift 2 ;;
        --invoices) invoices="$2"; shift 2 ;;
        --bare-request) bare_request="$2"; shift 2 ;;
        --tenant-key) key_kind=tenant; shift ;;
        --perf)
            if [ $# -gt 1 ] && [ "${2#--}" = "$2" ]; then perf_output="$2"; shift 2; else perf_output="/tmp/folio-bench-http-perf.data"; shift; fi ;;
        --perf-run)
            case "$2" in
                folio-list | folio-health) perf_run="$2"; shift 2 ;;
                *) echo "--perf-run is folio-list or folio-health, not $2" >&2; exit 64 ;;
            esac ;;
        --keep) keep=1; shift ;;
        *) echo "unknown option $1 (see the top of scripts/bench-http.sh)" >&2; exit 64 ;;
    esac
done

case "$rounds" in
    '' | *[!0-9]* | 0) echo "--rounds is a whole number of at least 1, not $rounds" >&2; exit 64 ;;
esac
command -v wrk >/dev/null || apt_install wrk
command -v curl >/dev/null || apt_install curl
if [ -n "$perf_output" ] && ! command -v perf >/dev/null; then apt_install linux-perf; fi
pg_ensure_installed
ensure_build_packages

swift build -c release --product folio
swift build -c release --product folio-bench
bin="$(swift build -c release --show-bin-path)"

cluster="$(mktemp -d /tmp/folio-bench-postgres.XXXXXX)"
run="$(mktemp -d /tmp/folio-bench-http.XXXXXX)"
folio_pid=""
baseline_pid=""
finish() {
    local status=$?
    for pid in $folio_pid $baseline_pid; do
        kill -TERM "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    pg_stop "$cluster"
    rm -rf "$cluster"
    if [ "$status" -ne 0 ] || [ "$keep" -eq 1 ]; then
        echo "logs kept in $run" >&2
    else
        rm -rf "$run"
    fi
}
trap finish EXIT

pg_port="$(pg_free_port 56432)"
pg_start "$cluster" "$pg_port"
pg_create_database "$pg_port" folio_bench
database_url="postgres://folio@127.0.0.1:$pg_port/folio_bench?sslmode=disable"

echo "seeding: a tenant with $invoices invoices created through Folio's API against the sandbox"
FOLIO_DATABASE_URL="$database_url" "$bin/folio-bench" http-seed --invoices "$invoices" >"$run/seed.env"
tenant="$(sed -n 's/^FOLIO_BENCH_TENANT=//p' "$run/seed.env")"
tenant_key="$(sed -n 's/^FOLIO_BENCH_TENANT_KEY=//p' "$run/seed.env")"
vault_keys="$(sed -n 's/^FOLIO_BENCH_VAULT_KEYS=//p' "$run/seed.env")"
platform_key="bench_$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')"
key="$platform_key"
[ "$key_kind" = tenant ] && key="$tenant_key"

folio_port="$(pg_free_port 18080)"
start_folio_serve "$bin/folio" "$folio_port" "$database_url" "$vault_keys" "$platform_key" "$run/folio.log"
folio_pid=$!
wait_ready "http://127.0.0.1:$folio_port/health/ready" "$folio_pid" || { tail -n 40 "$run/folio.log" >&2; exit 1; }

bare_port="$(pg_free_port $((folio_port + 100)))"
"$bin/folio-bench" baseline-server --port "$bare_port" --database-url "$database_url" --request "$bare_request" >"$run/baseline.log" 2>&1 &
baseline_pid=$!
wait_ready "http://127.0.0.1:$bare_port/health" "$baseline_pid" || { tail -n 40 "$run/baseline.log" >&2; exit 1; }

bare_health="http://127.0.0.1:$bare_port/health"
folio_health="http://127.0.0.1:$folio_port/health/live"
bare_list="http://127.0.0.1:$bare_port/tenants/$tenant/invoices"
folio_list="http://127.0.0.1:$folio_port/v1/tenants/$tenant/invoices?limit=20"

# Both lists must answer the same page before their speeds mean anything (wrk sends no Accept).
curl -fsS -H 'Accept:' "$bare_list" >"$run/bare-list.json"
curl -fsS -H 'Accept:' -H "Authorization: Bearer $key" "$folio_list" >"$run/folio-list.json"
python3 scripts/bench-http-report.py compare "$run/bare-list.json" "$run/folio-list.json" "$bare_request"

echo "wrk -t$threads -c$connections -d$duration --latency, $rounds round(s), each route warmed for $warmup first (Folio's list with a $key_kind key)"
warm() {
    local url="$1" header=()
    [ $# -gt 1 ] && header=(-H "$2")
    wrk -t"$threads" -c"$connections" -d"$warmup" "${header[@]}" "$url" >/dev/null
}
# measure NAME ROUND URL [header]: measures the route into $run/NAME.ROUND.txt.
measure() {
    local name="$1" round="$2" url="$3" header=()
    [ $# -gt 3 ] && header=(-H "$4")
    local perf_pid=""
    if [ "$round" -eq 1 ] && [ "$name" = "$perf_run" ] && [ -n "$perf_output" ]; then
        perf record -g -o "$perf_output" -p "$folio_pid" -- sleep "$duration" 2>"$run/perf.log" &
        perf_pid=$!
    fi
    wrk -t"$threads" -c"$connections" -d"$duration" --latency "${header[@]}" "$url" >"$run/$name.$round.txt"
    if [ -n "$perf_pid" ]; then wait "$perf_pid" || { cat "$run/perf.log" >&2; exit 1; }; fi
}
# pair ROUND BARE_NAME BARE_URL FOLIO_NAME FOLIO_URL [Folio's header]: both routes, back to back,
# the bare one first in odd rounds.
pair() {
    local round="$1" bare_name="$2" bare_url="$3" folio_name="$4" folio_url="$5" header=()
    [ $# -gt 5 ] && header=("$6")
    if [ $((round % 2)) -eq 1 ]; then
        measure "$bare_name" "$round" "$bare_url"
        measure "$folio_name" "$round" "$folio_url" "${header[@]}"
    else
        measure "$folio_name" "$round" "$folio_url" "${header[@]}"
        measure "$bare_name" "$round" "$bare_url"
    fi
}
warm "$bare_health"
warm "$folio_health"
warm "$bare_list"
warm "$folio_list" "Authorization: Bearer $key"
for round in $(seq 1 "$rounds"); do
    pair "$round" bare-health "$bare_health" folio-health "$folio_health"
    pair "$round" bare-list "$bare_list" folio-list "$folio_list" "Authorization: Bearer $key"
done

echo
python3 scripts/bench-http-report.py rounds "$run" "$rounds" "$bare_request"
if [ -n "$perf_output" ]; then
    echo
    echo "perf record -g of folio serve during the first round's $perf_run run: $perf_output"
    echo "  perf report -i $perf_output --no-children --sort symbol"
fi
