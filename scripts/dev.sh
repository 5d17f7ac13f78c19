#!/usr/bin/env bash
# Starts the whole development stack: a private PostgreSQL cluster (kept in .folio/postgres
# between runs) and `folio dev`, which applies migrations and prints a development platform key.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/postgres.sh
source scripts/packages.sh

pg_ensure_installed
ensure_build_packages
# As root the cluster belongs to the `postgres` account, which may not reach into the checkout
# (under /root, say), so it lives in a directory of its own named after the checkout.
if [ "$(id -u)" -eq 0 ]; then
    cluster="/var/tmp/folio-dev-postgres-$(printf '%s' "$PWD" | cksum | cut -d ' ' -f 1)"
else
    cluster="$PWD/.folio/postgres"
fi
port="${FOLIO_DEV_POSTGRES_PORT:-$(pg_free_port 54329)}"
mkdir -p .folio
trap 'pg_stop "$cluster"' EXIT

pg_start "$cluster" "$port"
pg_create_database "$port" folio
echo "development PostgreSQL on 127.0.0.1:$port ($cluster)"

swift build --product folio
export FOLIO_DATABASE_URL="postgres://folio@127.0.0.1:$port/folio?sslmode=disable"
.build/debug/folio dev "$@"
