#!/usr/bin/env bash
# PostgreSQL helper for the cskh_helpdesk run/test targets.
#
# Usage:
#   tools/pg.sh start            ensure a server is reachable; print Odoo's
#                                --db_* arguments on stdout (messages go to stderr)
#   tools/pg.sh stop             stop the throwaway cluster (if we started one)
#   tools/pg.sh status           tell whether the throwaway cluster runs
#   tools/pg.sh restart          restart it at once (pg_ctl restart -m fast)
#   tools/pg.sh psql [ARGS...]   psql connected to the same server (db "postgres")
#   tools/pg.sh db-exists DB     exit 0 if database DB exists
#   tools/pg.sh drop-db DB       drop database DB if it exists (kicks sessions)
#   tools/pg.sh module-state DB MODULE
#                                print the ir_module_module state of MODULE in DB
#                                (empty if the database is not an Odoo database)
#
# External server: if PGHOST or DB_HOST is set, nothing is started and that
# server is used: host ${DB_HOST:-$PGHOST}, port ${DB_PORT:-${PGPORT:-5432}},
# user ${DB_USER:-${PGUSER:-odoo}}, password ${DB_PASSWORD:-$PGPASSWORD}.
# The user must be allowed to create databases, and must not be "postgres"
# (Odoo refuses it).
#
# Otherwise a throwaway cluster is created and started (idempotent: a running
# one is reused):
#   data + unix socket in CSKH_PG_DIR (default /tmp/cskh-pg, or
#   /tmp/cskh-pg-$USER when not root), listening on the socket and on
#   localhost:CSKH_PG_PORT (default 5433), trust auth, superuser role "odoo",
#   durability turned off (fsync=off): it is for development and tests only.
# PostgreSQL refuses to run as root, so as root the cluster runs as the
# "postgres" system user (created by Debian's postgresql package), or as a
# dedicated "cskh-pg" system user created on demand.
set -euo pipefail

die() { echo "pg.sh: error: $*" >&2; exit 1; }
say() { echo "pg.sh: $*" >&2; }

ROLE=odoo
if [ "$(id -u)" -eq 0 ]; then
    PG_DIR=${CSKH_PG_DIR:-/tmp/cskh-pg}
else
    PG_DIR=${CSKH_PG_DIR:-/tmp/cskh-pg-$(id -un)}
fi
PG_PORT=${CSKH_PG_PORT:-5433}
DATA=$PG_DIR/data
LOG=$PG_DIR/postgresql.log

external() { [ -n "${DB_HOST:-}" ] || [ -n "${PGHOST:-}" ]; }

# connection parameters (host, port, user, password)
if external; then
    C_HOST=${DB_HOST:-$PGHOST}
    C_PORT=${DB_PORT:-${PGPORT:-5432}}
    C_USER=${DB_USER:-${PGUSER:-odoo}}
    C_PASS=${DB_PASSWORD:-${PGPASSWORD:-}}
else
    C_HOST=$PG_DIR
    C_PORT=$PG_PORT
    C_USER=$ROLE
    C_PASS=
fi

pg_bindir() {
    local v
    if command -v pg_config >/dev/null 2>&1 && [ -x "$(pg_config --bindir)/initdb" ]; then
        pg_config --bindir; return
    fi
    # Debian: /usr/lib/postgresql/<major>/bin, take the newest major version
    v=$(ls /usr/lib/postgresql/ 2>/dev/null | sort -n | tail -n 1 || true)
    if [ -n "$v" ] && [ -x "/usr/lib/postgresql/$v/bin/initdb" ]; then
        echo "/usr/lib/postgresql/$v/bin"; return
    fi
    local initdb
    initdb=$(command -v initdb 2>/dev/null || true)
    [ -n "$initdb" ] && { dirname "$initdb"; return; }
    die "PostgreSQL server binaries (initdb, pg_ctl) not found; install them (Debian: apt-get install postgresql) or point PGHOST/DB_HOST at a running server"
}

psql_bin() {
    if [ -x /usr/bin/psql ]; then echo /usr/bin/psql
    elif command -v psql >/dev/null 2>&1; then command -v psql
    else echo "$(pg_bindir)/psql"
    fi
}

# the OS user that owns and runs the throwaway cluster
run_user() {
    if [ "$(id -u)" -ne 0 ]; then id -un; return; fi
    if id postgres >/dev/null 2>&1; then echo postgres; return; fi
    if ! id cskh-pg >/dev/null 2>&1; then
        say "creating unprivileged system user cskh-pg to run PostgreSQL"
        useradd --system --no-create-home --home-dir /nonexistent \
            --shell /usr/sbin/nologin cskh-pg >&2
    fi
    echo cskh-pg
}

as_user() {  # as_user USER CMD...
    local u=$1; shift
    if [ "$(id -un)" = "$u" ]; then "$@"
    else runuser -u "$u" -- "$@"
    fi
}

cluster_running() {
    [ -f "$DATA/PG_VERSION" ] || return 1
    local bin u; bin=$(pg_bindir); u=$(run_user)
    as_user "$u" "$bin/pg_ctl" -D "$DATA" status >/dev/null 2>&1
}

start_cluster() {
    local bin u
    bin=$(pg_bindir)
    u=$(run_user)
    mkdir -p "$PG_DIR"
    # serialize concurrent `make run` / `make test` invocations
    exec 9>"$PG_DIR.lock"
    flock 9
    if [ "$(id -u)" -eq 0 ]; then
        chown "$u": "$PG_DIR"
        chmod 0755 "$PG_DIR"
    fi
    if [ ! -f "$DATA/PG_VERSION" ]; then
        say "initializing throwaway PostgreSQL cluster in $DATA (as $u)"
        local locale=()
        if locale -a 2>/dev/null | grep -ix 'c\.utf-\?8' >/dev/null; then
            locale=(--locale=C.UTF-8)
        else
            locale=(--no-locale)
        fi
        as_user "$u" "$bin/initdb" -D "$DATA" -U "$ROLE" --auth=trust \
            --encoding=UTF8 "${locale[@]}" >"$PG_DIR/initdb.log" 2>&1 \
            || { cat "$PG_DIR/initdb.log" >&2; die "initdb failed"; }
    fi
    if as_user "$u" "$bin/pg_ctl" -D "$DATA" status >/dev/null 2>&1; then
        : # already running: reuse it
    else
        say "starting PostgreSQL on $PG_DIR/.s.PGSQL.$PG_PORT and localhost:$PG_PORT (log: $LOG)"
        touch "$LOG"; [ "$(id -u)" -eq 0 ] && chown "$u": "$LOG"
        if ! as_user "$u" "$bin/pg_ctl" -D "$DATA" -l "$LOG" -w -t 60 \
                -o "-p $PG_PORT -k $PG_DIR -c listen_addresses=localhost -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
                start >/dev/null; then
            tail -n 20 "$LOG" >&2 || true
            die "could not start PostgreSQL (is port $PG_PORT taken? set CSKH_PG_PORT)"
        fi
    fi
    flock -u 9
}

run_psql() {
    PGPASSWORD=$C_PASS PGOPTIONS="${PGOPTIONS:-} -c client_min_messages=warning" "$(psql_bin)" -X -q -v ON_ERROR_STOP=1 \
        -h "$C_HOST" -p "$C_PORT" -U "$C_USER" "$@"
}

ensure_reachable() {
    local i
    for i in $(seq 1 30); do
        if run_psql -d postgres -tAc 'SELECT 1' >/dev/null 2>&1; then return 0; fi
        sleep 1
    done
    run_psql -d postgres -tAc 'SELECT 1' >&2 || true
    die "cannot connect to PostgreSQL at host=$C_HOST port=$C_PORT user=$C_USER"
}

odoo_args() {
    local a="--db_host=$C_HOST --db_port=$C_PORT --db_user=$C_USER"
    [ -n "$C_PASS" ] && a="$a --db_password=$C_PASS"
    echo "$a"
}

ident() {  # quote a database name as an SQL identifier
    printf '"%s"' "${1//\"/\"\"}"
}
lit() {    # quote a string as an SQL literal
    printf "'%s'" "${1//\'/\'\'}"
}

cmd=${1:-start}
shift || true
case "$cmd" in
    start)
        if external; then
            [ "$C_USER" = postgres ] && die "Odoo refuses the database user 'postgres'; set DB_USER/PGUSER to another role"
        else
            start_cluster
        fi
        ensure_reachable
        odoo_args
        ;;
    stop)
        external && { say "external server in use (PGHOST/DB_HOST set): nothing to stop"; exit 0; }
        if cluster_running; then
            as_user "$(run_user)" "$(pg_bindir)/pg_ctl" -D "$DATA" -m fast -w stop >&2
        else
            say "throwaway cluster in $DATA is not running"
        fi
        ;;
    restart)
        # fast restart of the throwaway cluster (make loadtest FAULTS=1): sessions are cut
        external && die "external server in use (PGHOST/DB_HOST set): not restarting it"
        cluster_running || die "throwaway cluster in $DATA is not running"
        as_user "$(run_user)" "$(pg_bindir)/pg_ctl" -D "$DATA" -l "$LOG" -m fast -w -t 60 restart >&2
        ;;
    status)
        if external; then echo "external server $C_HOST:$C_PORT"
        elif cluster_running; then echo "running: $DATA (socket dir $PG_DIR, port $PG_PORT)"
        else echo "not running ($DATA)"; exit 3
        fi
        ;;
    psql)
        run_psql -d postgres "$@"
        ;;
    db-exists)
        [ $# -eq 1 ] || die "usage: $0 db-exists DB"
        [ "$(run_psql -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = $(lit "$1")")" = 1 ]
        ;;
    drop-db)
        [ $# -eq 1 ] || die "usage: $0 drop-db DB"
        run_psql -d postgres -c "DROP DATABASE IF EXISTS $(ident "$1") WITH (FORCE)" >&2
        ;;
    module-state)
        [ $# -eq 2 ] || die "usage: $0 module-state DB MODULE"
        run_psql -d "$1" -tAc "SELECT state FROM ir_module_module WHERE name = $(lit "$2")" 2>/dev/null || true
        ;;
    *)
        die "unknown command '$cmd' (start|stop|status|psql|db-exists|drop-db|module-state)"
        ;;
esac
