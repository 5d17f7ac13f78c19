#!/usr/bin/env bash
# Runs the browser tests (browser-tests/, pytest + Playwright on the system Chromium) against
# `folio dev` with its in-process Invoicebox sandbox and Fakturownia simulator. Arguments are passed
# to pytest (e.g. -k qr).
#
# With FOLIO_TEST_DATABASE_URL set (scripts/test.sh sets it), a fresh database is created on that
# server and dropped afterwards; otherwise a private PostgreSQL cluster is started and stopped here.
# FOLIO_BIN=path runs that folio binary instead of building .build/debug/folio.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/postgres.sh
source scripts/packages.sh

# Playwright drives the distribution's Chromium; its own browser downloads are never used.
chromium_bin="${FOLIO_CHROMIUM:-/usr/bin/chromium}"
[ -x "$chromium_bin" ] || apt_install chromium
command -v zbarimg >/dev/null || apt_install zbar-tools
# Debian's python3 has the venv module but not ensurepip until python3-venv is installed.
python3 -c 'import venv, ensurepip' 2>/dev/null || apt_install python3-venv

venv=".build/browser-venv"
requirements="playwright==1.65.2 pytest==9.2.0"
mkdir -p .build
if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv"
fi
# The marker makes later runs offline: pip is asked only when the pinned versions change.
if [ "$(cat "$venv/.requirements" 2>/dev/null)" != "$requirements" ]; then
    "$venv/bin/python" -m pip install -q --disable-pip-version-check $requirements
    echo "$requirements" >"$venv/.requirements"
fi

work="$(mktemp -d /tmp/folio-browser.XXXXXX)"
server_pid=""
cluster=""
admin_url=""
database=""
cleanup() {
    if [ -n "$server_pid" ]; then
        kill "$server_pid" 2>/dev/null || true
        wait "$server_pid" 2>/dev/null || true
    fi
    if [ -n "$admin_url" ] && [ -n "$database" ]; then
        "$PG_BIN/psql" "$admin_url" -qc "DROP DATABASE IF EXISTS \"$database\" WITH (FORCE)" >/dev/null 2>&1 || true
    fi
    if [ -n "$cluster" ]; then
        pg_stop "$cluster"
        rm -rf "$cluster"
    fi
    rm -rf "$work"
}
trap cleanup EXIT

pg_ensure_installed
ensure_build_packages
database="folio_browser_$(od -An -N4 -tx4 /dev/urandom | tr -d ' \n')"
if [ -n "${FOLIO_TEST_DATABASE_URL:-}" ]; then
    admin_url="$FOLIO_TEST_DATABASE_URL"
else
    cluster="$(mktemp -d /tmp/folio-browser-postgres.XXXXXX)"
    pg_port="$(pg_free_port 56432)"
    pg_start "$cluster" "$pg_port" -c fsync=off -c synchronous_commit=off -c full_page_writes=off
    admin_url="postgres://folio@127.0.0.1:$pg_port/postgres?sslmode=disable"
    echo "browser-test PostgreSQL cluster on 127.0.0.1:$pg_port ($cluster)"
fi
"$PG_BIN/psql" "$admin_url" -qc "CREATE DATABASE \"$database\"" >/dev/null
database_url="$(python3 - "$admin_url" "$database" <<'EOF'
import sys, urllib.parse
parts = urllib.parse.urlsplit(sys.argv[1])
print(urllib.parse.urlunsplit(parts._replace(path="/" + sys.argv[2])))
EOF
)"

folio_bin="${FOLIO_BIN:-}"
if [ -z "$folio_bin" ]; then
    swift build --product folio --quiet
    folio_bin=.build/debug/folio
fi

http_port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
base_url="http://127.0.0.1:$http_port"
log="$work/server.log"
FOLIO_HTTP_HOST=127.0.0.1 FOLIO_HTTP_PORT="$http_port" FOLIO_DATABASE_URL="$database_url" FOLIO_LOG_LEVEL=warning \
    "$folio_bin" dev --state-dir "$work/state" >"$log" 2>&1 &
server_pid=$!

# Ready means migrations applied; the banner (with the sandbox's URL) follows right after.
sandbox_url=""
for _ in $(seq 1 120); do
    if ! kill -0 "$server_pid" 2>/dev/null; then
        echo "folio dev exited before it was ready; its log:" >&2
        cat "$log" >&2
        exit 1
    fi
    sandbox_url="$(sed -n 's/^Invoicebox sandbox at \(http[^ ]*\).*/\1/p' "$log" | head -n 1)"
    if [ -n "$sandbox_url" ] && python3 -c "import urllib.request, sys; urllib.request.urlopen(sys.argv[1], timeout=2)" "$base_url/health/ready" 2>/dev/null; then
        break
    fi
    sandbox_url=""
    sleep 0.5
done
if [ -z "$sandbox_url" ]; then
    echo "folio dev did not become ready within 60 s; its log:" >&2
    cat "$log" >&2
    exit 1
fi
# The same banner names the Fakturownia simulator (empty when this folio dev runs without one).
fakturownia_url="$(sed -n 's/^Fakturownia sandbox at \(http[^ ]*\).*/\1/p' "$log" | head -n 1)"
echo "folio dev at $base_url, sandbox at $sandbox_url, Fakturownia simulator at ${fakturownia_url:-none} (log: $log)"

screenshots="$PWD/.build/browser-screenshots"
rm -rf "$screenshots"
mkdir -p "$screenshots"

status=0
# No bytecode caches in the source tree; pytest's own cache lives under .build.
PYTHONDONTWRITEBYTECODE=1 \
    FOLIO_BASE_URL="$base_url" \
    FOLIO_SANDBOX_URL="${sandbox_url%/}" \
    FOLIO_FAKTUROWNIA_URL="${fakturownia_url%/}" \
    FOLIO_PLATFORM_KEY="$(tr -d '[:space:]' <"$work/state/platform.key")" \
    FOLIO_SCREENSHOTS_DIR="$screenshots" \
    FOLIO_CHROMIUM="$chromium_bin" \
    "$venv/bin/python" -m pytest -o testpaths=browser-tests -o cache_dir=.build/browser-pytest-cache "$@" || status=$?

if [ "$status" -ne 0 ]; then
    echo
    echo "=== folio dev log (last 80 lines) ==="
    tail -n 80 "$log"
fi
echo "screenshots: $screenshots"
exit "$status"
