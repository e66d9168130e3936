#!/usr/bin/env bash
# A throwaway PostgreSQL server on 127.0.0.1, from Debian's postgresql package, for tests and benchmarks.
#   local-postgres.sh start DIR PORT PASSWORD   creates the cluster in DIR if it is new (role "ecl", SCRAM
#                                               password), starts it, and prints its URL
#   local-postgres.sh stop DIR [fast|immediate]  stops it (default fast)
#   local-postgres.sh sql URL STATEMENT          runs one statement through psql (flags from PSQL_FLAGS)
# Extra server settings come from PG_SERVER_OPTIONS (tests pass "-c fsync=off"). As root, the server runs as
# the package's "postgres" user, since PostgreSQL refuses to run as root.
set -euo pipefail

server_bin() {
    local bin
    bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
    [ -n "$bin" ] && [ -x "$bin/pg_ctl" ] || { echo "local-postgres: no PostgreSQL server installed (apt-get install postgresql)" >&2; exit 1; }
    echo "$bin"
}

# From /, so the postgres user never starts in a folder it cannot enter (a caller's private temp folder).
as_owner() { if [ "$(id -u)" = 0 ]; then (cd / && runuser -u postgres -- "$@"); else "$@"; fi; }

case "${1:-}" in
start)
    dir=$2 port=$3 password=$4
    bin=$(server_bin)
    if [ ! -f "$dir/PG_VERSION" ]; then
        mkdir -p "$dir"
        [ "$(id -u)" = 0 ] && chown postgres: "$dir"
        chmod 700 "$dir"
        pwfile=$(mktemp)
        printf '%s\n' "$password" > "$pwfile"
        chmod 644 "$pwfile"
        as_owner "$bin/initdb" -D "$dir" -U ecl --auth=scram-sha-256 --pwfile="$pwfile" -E UTF8 --no-sync >/dev/null
        rm -f "$pwfile"
    fi
    as_owner "$bin/pg_ctl" -D "$dir" -l "$dir/server.log" -w -t 60 \
        -o "-p $port -c listen_addresses=127.0.0.1 -k $dir ${PG_SERVER_OPTIONS:-}" start >/dev/null
    echo "postgres://ecl:$password@127.0.0.1:$port/postgres?sslmode=disable"
    ;;
stop)
    dir=$2
    bin=$(server_bin)
    [ -f "$dir/postmaster.pid" ] && as_owner "$bin/pg_ctl" -D "$dir" -m "${3:-fast}" -w stop >/dev/null
    exit 0
    ;;
sql)
    psql "$2" -v ON_ERROR_STOP=1 -q -X ${PSQL_FLAGS:-} -c "$3"
    ;;
*)
    echo "usage: local-postgres.sh start DIR PORT PASSWORD | stop DIR [fast|immediate] | sql URL STATEMENT" >&2
    exit 2
    ;;
esac
