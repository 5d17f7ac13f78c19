# Functions to run a private PostgreSQL cluster for development, tests and benchmarks.
# Source this file; it changes nothing until a function is called.
#
# The server refuses to run as root, so when the caller is root the cluster belongs to the
# unprivileged `postgres` account that Debian's package creates.

pg_ensure_installed() {
    if ! compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null; then
        echo "PostgreSQL is not installed; installing it with apt-get" >&2
        local sudo=""
        [ "$(id -u)" -ne 0 ] && sudo="sudo"
        $sudo apt-get update -qq
        DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq postgresql >/dev/null
    fi
    PG_BIN="$(dirname "$(ls -d /usr/lib/postgresql/*/bin/initdb | sort -V | tail -n 1)")"
    export PG_BIN
    if [ "$(id -u)" -eq 0 ]; then
        PG_OS_USER=postgres
        id "$PG_OS_USER" >/dev/null 2>&1 || useradd --system --home-dir /var/lib/postgresql --shell /bin/bash "$PG_OS_USER"
    else
        PG_OS_USER="$(id -un)"
    fi
    export PG_OS_USER
}

# Runs a command as the cluster's owner.
pg_as_owner() {
    if [ "$(id -u)" -eq 0 ]; then
        runuser -u "$PG_OS_USER" -- "$@"
    else
        "$@"
    fi
}

# Prints the first port from $1 upwards that nothing listens on or connects from.
pg_free_port() {
    local port="$1"
    # A port nobody listens on may still be the local end of a connection (these ports lie in
    # the ephemeral range), and then the server cannot bind it.
    while (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null \
        || { command -v ss >/dev/null && [ -n "$(ss -Htan "sport = :$port")" ]; }; do
        port=$((port + 1))
    done
    echo "$port"
}

# pg_start DIR PORT [extra server options…]: creates the cluster in DIR on first use, then starts
# it on 127.0.0.1:PORT with trust authentication for the superuser `folio`. It listens on TCP
# only: no Unix socket, so the length or spelling of DIR never matters.
pg_start() {
    local dir="$1" port="$2"
    shift 2
    mkdir -p "$dir"
    chown "$PG_OS_USER" "$dir"
    chmod 700 "$dir"
    if [ ! -f "$dir/data/PG_VERSION" ]; then
        pg_as_owner "$PG_BIN/initdb" -D "$dir/data" -U folio --auth=trust -E UTF8 --no-locale >"$dir/initdb.log" 2>&1 \
            || { cat "$dir/initdb.log" >&2; return 1; }
    fi
    if ! pg_as_owner test -w "$dir"; then
        echo "$PG_OS_USER cannot write to $dir (is a parent directory private?)" >&2
        return 1
    fi
    pg_as_owner "$PG_BIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
        -o "-p $port -c listen_addresses=127.0.0.1 -c unix_socket_directories='' $*" start >/dev/null \
        || { cat "$dir/server.log" >&2; return 1; }
}

pg_stop() {
    local dir="$1"
    if [ -f "$dir/data/postmaster.pid" ]; then
        pg_as_owner "$PG_BIN/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
    fi
}

# pg_create_database PORT NAME: creates the database unless it exists.
pg_create_database() {
    local port="$1" name="$2"
    if ! "$PG_BIN/psql" -h 127.0.0.1 -p "$port" -U folio -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = '$name'" | grep -q 1; then
        "$PG_BIN/psql" -h 127.0.0.1 -p "$port" -U folio -d postgres -qc "CREATE DATABASE \"$name\"" >/dev/null
    fi
}
