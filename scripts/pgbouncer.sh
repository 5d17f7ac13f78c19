# Functions to run a private PgBouncer in transaction mode in front of a private PostgreSQL
# cluster, so that tests see what a production pooler does: every transaction may run on another
# server connection, and a server connection serves many clients one after the other.
# Source scripts/postgres.sh first (this file uses pg_as_owner and pg_free_port), then this file;
# it changes nothing until a function is called.
#
# PgBouncer refuses to run as root, so it runs as the cluster's owner, like the server.

pgb_ensure_installed() {
    PGB_BIN="$(command -v pgbouncer || true)"
    [ -n "$PGB_BIN" ] || PGB_BIN=/usr/sbin/pgbouncer
    if [ ! -x "$PGB_BIN" ]; then
        echo "PgBouncer is not installed; installing it with apt-get" >&2
        local sudo=""
        [ "$(id -u)" -ne 0 ] && sudo="sudo"
        $sudo apt-get update -qq
        DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq pgbouncer >/dev/null
        PGB_BIN="$(command -v pgbouncer || echo /usr/sbin/pgbouncer)"
    fi
    export PGB_BIN
}

# pgb_start DIR PORT PG_PORT: starts PgBouncer on 127.0.0.1:PORT in front of the server on
# 127.0.0.1:PG_PORT, with its configuration, log and pid file in DIR. Any database name is
# forwarded to the server under the same name, so databases created later (one per test) are
# reachable too. The user `folio` is let in without a password, as the cluster's trust
# authentication does.
pgb_start() {
    local dir="$1" port="$2" pg_port="$3"
    mkdir -p "$dir"
    # Three server connections per database: far fewer than the clients, so that every server
    # connection is handed from one client, and one tenant, to the next all the time
    # (PgBouncerIsolationTests holds three at once to inspect each of them).
    # No server_reset_query runs between transactions in this mode, so session state that a
    # client leaves behind (a SET, a named prepared statement, a LISTEN) is seen by the next one:
    # exactly what the tests behind it must catch.
    # ignore_startup_parameters lists only extra_float_digits (which drivers send and PgBouncer
    # cannot track). `options` is left out on purpose: this PgBouncer cannot forward it, and
    # ignoring it would drop a setting such as a search_path without a word; refused, it fails loudly.
    cat >"$dir/pgbouncer.ini" <<EOF
[databases]
* = host=127.0.0.1 port=$pg_port

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = $port
unix_socket_dir =
auth_type = trust
auth_file = $dir/userlist.txt
pool_mode = transaction
default_pool_size = 3
min_pool_size = 0
reserve_pool_size = 0
max_client_conn = 400
ignore_startup_parameters = extra_float_digits
logfile = $dir/pgbouncer.log
pidfile = $dir/pgbouncer.pid
EOF
    echo '"folio" ""' >"$dir/userlist.txt"
    chown -R "$PG_OS_USER" "$dir"
    chmod 700 "$dir"
    if ! pg_as_owner test -w "$dir"; then
        echo "$PG_OS_USER cannot write to $dir (is a parent directory private?)" >&2
        return 1
    fi
    pg_as_owner "$PGB_BIN" -q -d "$dir/pgbouncer.ini" \
        || { [ -f "$dir/pgbouncer.log" ] && cat "$dir/pgbouncer.log" >&2; return 1; }
    local attempt
    for attempt in $(seq 1 100); do
        (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && return 0
        sleep 0.1
    done
    echo "PgBouncer did not listen on 127.0.0.1:$port" >&2
    [ -f "$dir/pgbouncer.log" ] && cat "$dir/pgbouncer.log" >&2
    return 1
}

# pgb_stop DIR: stops the PgBouncer whose pid file is in DIR, if it runs.
pgb_stop() {
    local dir="$1" pid attempt
    [ -f "$dir/pgbouncer.pid" ] || return 0
    pid="$(cat "$dir/pgbouncer.pid")"
    [ -n "$pid" ] || return 0
    # SIGTERM: immediate shutdown, whatever clients are still connected.
    pg_as_owner kill -TERM "$pid" 2>/dev/null || return 0
    for attempt in $(seq 1 50); do
        kill -0 "$pid" 2>/dev/null || return 0
        sleep 0.1
    done
}
