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

swift build --build-tests

# The run is long; a failure is summarised at the very end so that the tail of the output names it.
log="$cluster/swift-test.log"
status=0
swift test --skip-build "$@" 2>&1 | tee "$log" || status=$?
if [ "$status" -ne 0 ]; then
    echo
    echo "=== failures (full output above) ==="
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
