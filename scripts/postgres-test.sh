#!/usr/bin/env bash
# A throwaway PostgreSQL server for the integration tests.
#
#   eval "$(scripts/postgres-test.sh)"     # start (or reuse) it and export TEST_POSTGRES_ADMIN_URL
#   cargo nextest run --workspace          # the tests now also run against PostgreSQL
#   scripts/postgres-test.sh stop          # stop it and delete its folder
#
# Idempotent: when TEST_POSTGRES_ADMIN_URL already answers, or the throwaway server is
# already running, nothing is started. Only the `export …` line goes to standard
# output; progress goes to standard error.
#
# Environment: PORTAL_PG_PORT (default 25432, below Linux's ephemeral range 32768-60999
# so that no test's outgoing connection can hold it; when another program already
# listens there, or the bind fails anyway, the next free port up to +50 is taken), PORTAL_PG_DIR (default
# /tmp/portal-pg-test). The server trusts local connections: for tests only.
set -euo pipefail

PORT="${PORTAL_PG_PORT:-25432}"
DIR="${PORTAL_PG_DIR:-/tmp/portal-pg-test}"
URL="postgres://postgres@127.0.0.1:${PORT}/postgres"

log() { echo "postgres-test: $*" >&2; }

# Runs a command as the `postgres` OS user when we are root (PostgreSQL refuses to
# run as root), as ourselves otherwise.
as_pg() {
    if [ "$(id -u)" = 0 ]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

pg_bin() {
    local d
    for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
        if [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ]; then
            echo "$d"
            return 0
        fi
    done
    if command -v initdb >/dev/null && command -v pg_ctl >/dev/null; then
        dirname "$(command -v pg_ctl)"
        return 0
    fi
    return 1
}

# Whether a PostgreSQL server answers at the URL $1.
reachable() {
    local url="$1"
    if command -v psql >/dev/null; then
        psql "$url" -tAqc 'SELECT 1' >/dev/null 2>&1
    elif command -v pg_isready >/dev/null; then
        pg_isready -q -d "$url" >/dev/null 2>&1
    else
        local hostport="${url#*@}"
        hostport="${hostport%%/*}"
        (exec 3<>"/dev/tcp/${hostport%%:*}/${hostport##*:}") 2>/dev/null
    fi
}

# Whether anything accepts TCP connections on 127.0.0.1:$1.
listening() {
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

stop() {
    local bin
    if [ -f "$DIR/data/postmaster.pid" ] && bin="$(pg_bin)"; then
        log "stopping the server in $DIR"
        as_pg "$bin/pg_ctl" -D "$DIR/data" -m fast -w stop >&2 || true
    else
        log "no throwaway server is running in $DIR"
    fi
    rm -rf "$DIR"
}

start() {
    if [ -n "${TEST_POSTGRES_ADMIN_URL:-}" ] && reachable "$TEST_POSTGRES_ADMIN_URL"; then
        log "TEST_POSTGRES_ADMIN_URL already answers; nothing to do"
        echo "export TEST_POSTGRES_ADMIN_URL=${TEST_POSTGRES_ADMIN_URL}"
        return 0
    fi
    if [ -f "$DIR/port" ]; then
        PORT="$(cat "$DIR/port")"
        URL="postgres://postgres@127.0.0.1:${PORT}/postgres"
    fi
    if reachable "$URL"; then
        log "already running on port $PORT"
        echo "export TEST_POSTGRES_ADMIN_URL=${URL}"
        return 0
    fi
    PORT="${PORTAL_PG_PORT:-25432}"
    URL="postgres://postgres@127.0.0.1:${PORT}/postgres"

    local bin
    if ! bin="$(pg_bin)"; then
        log "installing Debian's postgresql package"
        if [ "$(id -u)" = 0 ]; then
            DEBIAN_FRONTEND=noninteractive apt-get install -y postgresql >&2 ||
                { apt-get update >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y postgresql >&2; }
        else
            sudo DEBIAN_FRONTEND=noninteractive apt-get install -y postgresql >&2
        fi
        bin="$(pg_bin)"
    fi
    if [ "$(id -u)" = 0 ] && ! id postgres >/dev/null 2>&1; then
        log "no postgres OS user (the postgresql package creates it)"
        exit 1
    fi

    # A stale folder (e.g. after a reboot) is replaced.
    if [ -d "$DIR" ]; then
        if [ -f "$DIR/data/postmaster.pid" ]; then
            as_pg "$bin/pg_ctl" -D "$DIR/data" -m immediate -w stop >/dev/null 2>&1 || true
        fi
        rm -rf "$DIR"
    fi
    # Another program (or someone else's PostgreSQL) on the port: take the next free one.
    local tries=0
    while listening "$PORT"; do
        tries=$((tries + 1))
        if [ "$tries" -gt 50 ]; then
            log "no free port from ${PORTAL_PG_PORT:-25432} to $PORT"
            exit 1
        fi
        log "port $PORT is taken by another program; trying $((PORT + 1))"
        PORT=$((PORT + 1))
        URL="postgres://postgres@127.0.0.1:${PORT}/postgres"
        if reachable "$URL"; then
            log "already running on port $PORT"
            echo "export TEST_POSTGRES_ADMIN_URL=${URL}"
            return 0
        fi
    done

    mkdir -p "$DIR/socket"
    if [ "$(id -u)" = 0 ]; then
        chown -R postgres: "$DIR"
    fi

    log "creating a cluster in $DIR with $bin/initdb"
    as_pg "$bin/initdb" -D "$DIR/data" -U postgres --auth=trust --encoding=UTF8 \
        --locale=C.UTF-8 >"$DIR/initdb.log" 2>&1 ||
        as_pg "$bin/initdb" -D "$DIR/data" -U postgres --auth=trust --encoding=UTF8 \
            --no-locale >"$DIR/initdb.log" 2>&1 ||
        { cat "$DIR/initdb.log" >&2; exit 1; }

    # Durability is not needed for throwaway test databases.
    # The probe above can miss a port that a client socket holds (CI failed with
    # 'could not bind … Address already in use' on a port nothing listened on), so a
    # start that fails on the bind moves on to the next port.
    while :; do
        log "starting on 127.0.0.1:$PORT"
        rm -f "$DIR/server.log"
        if as_pg "$bin/pg_ctl" -D "$DIR/data" -l "$DIR/server.log" -w -t 60 \
            -o "-p $PORT -k $DIR/socket -c listen_addresses=127.0.0.1 -c max_connections=300 -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
            start >&2; then
            break
        fi
        tries=$((tries + 1))
        if grep -q "Address already in use" "$DIR/server.log" && [ "$tries" -le 50 ]; then
            log "port $PORT could not be bound; trying $((PORT + 1))"
            PORT=$((PORT + 1))
            URL="postgres://postgres@127.0.0.1:${PORT}/postgres"
            continue
        fi
        cat "$DIR/server.log" >&2
        exit 1
    done

    echo "$PORT" >"$DIR/port"
    local i
    for i in $(seq 1 100); do
        if reachable "$URL"; then
            log "ready"
            echo "export TEST_POSTGRES_ADMIN_URL=${URL}"
            return 0
        fi
        sleep 0.1
    done
    log "the server did not answer in time; its log:"
    cat "$DIR/server.log" >&2
    exit 1
}

case "${1:-start}" in
    start) start ;;
    stop) stop ;;
    *)
        echo "usage: $0 [start|stop]" >&2
        exit 2
        ;;
esac
