#!/usr/bin/env bash
# Runs the whole test suite against a private PostgreSQL cluster that it starts and stops itself.
# Arguments are passed to `swift test` (e.g. --filter MigrationRunnerTests).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/postgres.sh
source scripts/pgbouncer.sh
source scripts/packages.sh

pg_ensure_installed
ensure_build_packages
# The QR code tests read codes back with a real decoder.
command -v zbarimg >/dev/null || apt_install zbar-tools
pgb_ensure_installed
cluster="$(mktemp -d /tmp/folio-test-postgres.XXXXXX)"
port="$(pg_free_port 55432)"
trap 'pgb_stop "$cluster/pgbouncer"; pg_stop "$cluster"; rm -rf "$cluster"' EXIT

# Durability is irrelevant for a throw-away cluster; turning it off makes schema-heavy tests fast.
# The suites run at once, each test with a database and pools of its own: at 400 connections the
# peak ran out ("too many clients"), and a test whose notification then failed once saw the retry.
pg_start "$cluster" "$port" -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=900
echo "test PostgreSQL cluster on 127.0.0.1:$port ($cluster)"

export FOLIO_TEST_DATABASE_URL="postgres://folio@127.0.0.1:$port/postgres?sslmode=disable"

# A part of the suite runs Folio behind PgBouncer in transaction mode, in front of the same cluster.
bouncer_port="$(pg_free_port $((port + 1)))"
pgb_start "$cluster/pgbouncer" "$bouncer_port" "$port"
echo "test PgBouncer (transaction mode) on 127.0.0.1:$bouncer_port"
export FOLIO_TEST_PGBOUNCER_URL="postgres://folio@127.0.0.1:$bouncer_port/postgres?sslmode=disable"

# The run's output stays small: CI keeps only about its first 1.5 MB, and a run that wrote more
# stalled there until CI gave up. A build prints its diagnostics, not its steps (some 3,000 on a
# first build).
echo "building the tests (minutes on a first build)"
swift build --build-tests --quiet

# The whole output, the info lines of every test's logger included (over 1 MB), goes to this
# file. The console shows the rest: each test's start and end, warnings, errors and failures.
log=.build/swift-test.log
# A test that never ends fails the run and is named, instead of holding the run until whatever
# started it gives up. The whole suite takes about a minute on 2 cores.
deadline="${FOLIO_TEST_DEADLINE_SECONDS:-900}"
# `timeout` signals the whole process group, so the test process that `swift test` starts ends too.
# The status is the tests' own, not the filter's (which fails when it lets no line through).
set +e
timeout --kill-after=10 "$deadline" swift test --skip-build "$@" 2>&1 | tee "$log" \
    | grep --line-buffered -Ev '^[0-9T:+-]+ (trace|debug|info) '
status="${PIPESTATUS[0]}"
set -e
if [ "$status" -ne 0 ]; then
    echo
    if [ "$status" -eq 124 ] || [ "$status" -eq 137 ]; then
        echo "=== the Swift tests did not end within $deadline s; these started and did not end ==="
        bash scripts/unfinished-tests.sh "$log"
    fi
    echo "=== failures (the whole output: $log) ==="
    grep -E '✘|recorded an issue|error:|Fatal error|Crash' "$log" | grep -v '^✘ Suite' | head -60 || true
    exit "$status"
fi

# The browser part: the web components in headless Chromium against `folio dev`. Skipped when
# the Swift tests were filtered to a subset.
if [ "$#" -eq 0 ]; then
    echo
    echo "=== browser tests ==="
    bash scripts/test-browser.sh
fi
