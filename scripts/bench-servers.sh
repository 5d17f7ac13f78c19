# Sourced by the HTTP benchmarks: starting `folio serve` and waiting for a server to answer.

# wait_ready URL PID: waits until URL answers 2xx, while PID lives.
wait_ready() {
    local url="$1" pid="$2"
    for _ in $(seq 1 600); do
        curl -fsS -o /dev/null "$url" 2>/dev/null && return 0
        kill -0 "$pid" 2>/dev/null || return 1
        sleep 0.1
    done
    return 1
}

# start_folio_serve BINARY PORT DATABASE_URL VAULT_KEYS PLATFORM_KEY LOG: starts `folio serve` in
# the background ($! is its pid), configured through FOLIO_* variables as in production. Nothing
# reaches the provider: a list or a health check never does, and the first reconciliation of an
# open invoice is due 15 minutes after it opened.
start_folio_serve() {
    local binary="$1" port="$2" database_url="$3" vault_keys="$4" platform_key="$5" log="$6"
    env FOLIO_DATABASE_URL="$database_url" FOLIO_HTTP_HOST=127.0.0.1 FOLIO_HTTP_PORT="$port" \
        FOLIO_PUBLIC_BASE_URL="http://127.0.0.1:$port" FOLIO_VAULT_KEYS="$vault_keys" FOLIO_PLATFORM_KEYS="$platform_key" \
        FOLIO_INVOICEBOX_BASE_URL="http://127.0.0.1:9" \
        "$binary" serve >"$log" 2>&1 &
}
