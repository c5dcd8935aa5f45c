#!/usr/bin/env bash
# Load test of the add-on with real clients; called by `make loadtest` (README.md, "Load test").
#
# Odoo runs in prefork mode (--workers, --max-cron-threads 1, limits) on a database of
# LOAD_SIZE tickets (Odoo's populate; the populated database is kept as a template and
# copied for each run), on a PostgreSQL cluster of its own (tools/pg.sh with
# CSKH_PG_DIR=/tmp/cskh-pg-load, CSKH_PG_PORT=5434). Locust (PyPI, installed in
# .cache/loadtest/venv: its Flask and Werkzeug must not replace Odoo's) runs headless for
# DURATION seconds: the mail server (XML-RPC message_process as odoo-mailgate.py, retries,
# double deliveries), agents (JSON-RPC), portal customers and web-form visitors, while the
# add-on's crons run every minute. tools/loadtest/report.py then prints the figures and
# checks integrity (exit status 1 when it fails).
#
# Environment (the Makefile passes its variables):
#   WORKERS=2        HTTP workers
#   DURATION=120     seconds of load
#   LOAD_SIZE=50000  tickets in the database
#   FAULTS=0         1: during the load, SIGKILL an HTTP worker, restart PostgreSQL
#                    (pg_ctl restart -m fast) and make the survey cron exceed its time limit
#                    (a lock it needs held CRON_LIMIT + 30 s: the run lasts that much longer)
#   CRON_LIMIT=120   --limit-time-real-cron (more than 70 s, see below)
#   SCALING=0        1: the load with 1, 2 and 4 workers, then the agents alone; prints the
#                    table of README.md (SCALING_DURATION=60 seconds each)
#   LOAD_DB=cskh_load  LOAD_PORT=18069
#   LOAD_MAIL_USERS=2 LOAD_AGENTS=4 LOAD_PORTAL_USERS=2 LOAD_FORM_USERS=1   clients of each kind
#   MODULE, ODOO, PYTHON, ODOO_ARGS, EXTRA_ADDONS   see tools/lib.sh
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

export CSKH_PG_DIR=${CSKH_PG_DIR:-/tmp/cskh-pg-load}
export CSKH_PG_PORT=${CSKH_PG_PORT:-5434}
WORKERS=${WORKERS:-2}
DURATION=${DURATION:-120}
LOAD_SIZE=${LOAD_SIZE:-50000}
FAULTS=${FAULTS:-0}
SCALING=${SCALING:-0}
SCALING_DURATION=${SCALING_DURATION:-60}
LOAD_DB=${LOAD_DB:-cskh_load}
LOAD_PORT=${LOAD_PORT:-18069}
# --limit-time-real-cron: the cron worker pings the server's watchdog before sleeping up to
# 60 + pid % 10 seconds (and then runs the due crons): the limit must exceed 70 s plus the
# crons' work, or the server kills idle cron workers
CRON_LIMIT=${CRON_LIMIT:-120}
TEMPLATE=${LOAD_DB}_tpl_${LOAD_SIZE}
HERE=$ROOT/tools/loadtest
VENV=$CACHE/loadtest/venv
RUN_ROOT=$CACHE/loadtest/runs/$(date -u +%Y%m%dT%H%M%SZ)
export LOAD_MAIL_USERS=${LOAD_MAIL_USERS:-2} LOAD_AGENTS=${LOAD_AGENTS:-4}
export LOAD_PORTAL_USERS=${LOAD_PORTAL_USERS:-2} LOAD_FORM_USERS=${LOAD_FORM_USERS:-1}

PG=("$ROOT/tools/pg.sh")
SERVER_PID=
FAULTS_PID=

require_odoo
mkdir -p "$DATA_DIR" "$RUN_ROOT"

cleanup() {
    [ -n "$FAULTS_PID" ] && kill "$FAULTS_PID" 2>/dev/null || true
    stop_server
}
trap cleanup EXIT

ensure_locust() {
    if [ ! -x "$VENV/bin/locust" ]; then
        echo "== installing Locust from PyPI into $VENV"
        "$PYTHON" -m venv "$VENV"
        "$VENV/bin/pip" install -q -r "$HERE/requirements.txt"
    fi
}

odoo_common() {  # the options of every odoo run on database $1
    echo --addons-path="$ADDONS" "${DBARGS[@]}" --data-dir="$DATA_DIR" -d "$1"
}

# the populated database, built once per LOAD_SIZE, TEMPLATE_VERSION of setup.py and add-on manifest
ensure_template() {
    local sum comment
    sum=$({ grep '^TEMPLATE_VERSION' "$HERE/setup.py"; cat "$ROOT/$MODULE/__manifest__.py"; } | sha1sum | cut -c1-12)
    comment=$("${PG[@]}" psql -tAc "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = '$TEMPLATE'")
    if [ "$comment" = "cskh-loadtest $sum" ] && [ "$("${PG[@]}" module-state "$TEMPLATE" "$MODULE")" = installed ]; then
        echo "== template database $TEMPLATE ($LOAD_SIZE tickets) reused"
        return
    fi
    echo "== building template database $TEMPLATE: $MODULE, users, teams, $LOAD_SIZE tickets (populate)"
    fresh_db "$TEMPLATE"
    # shellcheck disable=SC2046
    "${ODOO_CMD[@]}" $(odoo_common "$TEMPLATE") -i "$MODULE" --stop-after-init --no-http \
        --log-level=warn "${ODOO_EXTRA[@]}"
    # shellcheck disable=SC2046
    "$PYTHON" "$HERE/setup.py" template --size "$LOAD_SIZE" $(odoo_common "$TEMPLATE") --log-level=warn
    "${PG[@]}" psql -qc "COMMENT ON DATABASE \"$TEMPLATE\" IS 'cskh-loadtest $sum'"
}

# new_db OUT: the run's database, a copy of the template (and of its filestore)
new_db() {
    fresh_db "$LOAD_DB"
    "${PG[@]}" psql -qc "CREATE DATABASE \"$LOAD_DB\" TEMPLATE \"$TEMPLATE\""
    if [ -d "$DATA_DIR/filestore/$TEMPLATE" ]; then
        mkdir -p "$DATA_DIR/filestore"
        cp -a "$DATA_DIR/filestore/$TEMPLATE" "$DATA_DIR/filestore/$LOAD_DB"
    fi
    # shellcheck disable=SC2046
    "$PYTHON" "$HERE/setup.py" prepare --state "$1/state.json" $(odoo_common "$LOAD_DB") --log-level=warn
}

# gevent_fix: PYTHONPATH for the server. The prefork server spawns the gevent process of the
# live bus ("odoo gevent"); with old setuptools, pkg_resources misses zope.interface and
# zope.event installed from wheels named zope_* (gevent's plugin entry point needs them), that process
# dies at start and the server respawns it every few seconds, eating a core of this machine.
# A copy of their metadata under the names pkg_resources looks for fixes that, for the test only.
gevent_fix() {
    local fix=$CACHE/loadtest/pkgfix
    "$PYTHON" -c "import pkg_resources; pkg_resources.require('gevent')" >/dev/null 2>&1 && return
    "$PYTHON" - "$fix" <<'PY'
import importlib.metadata, os, sys
for name in ('zope.interface', 'zope.event'):  # gevent's requirements, named with a dot
    try:
        dist = importlib.metadata.distribution(name)
    except importlib.metadata.PackageNotFoundError:
        continue
    folder = os.path.join(sys.argv[1], f'{name}-{dist.version}.dist-info')
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, 'METADATA'), 'w', encoding='utf-8') as out:
        out.write(dist.read_text('METADATA'))
PY
    export PYTHONPATH=$fix${PYTHONPATH:+:$PYTHONPATH}
}

# start_server OUT WORKERS CRON_LIMIT
start_server() {
    # shellcheck disable=SC2046
    "${ODOO_CMD[@]}" $(odoo_common "$LOAD_DB") --db-filter="^${LOAD_DB}\$" --no-database-list \
        --http-interface=127.0.0.1 --http-port="$LOAD_PORT" --gevent-port=$((LOAD_PORT + 3)) \
        --workers="$2" --max-cron-threads=1 --db_maxconn=16 \
        --limit-time-real=120 --limit-time-cpu=60 --limit-time-real-cron="$3" \
        --limit-memory-soft=$((2048 * 1024 * 1024)) --limit-memory-hard=$((2560 * 1024 * 1024)) \
        --logfile="$1/odoo.log" --log-level=info "${ODOO_EXTRA[@]}" &
    SERVER_PID=$!
    local i
    for i in $(seq 1 90); do
        if curl -sf -o /dev/null "http://127.0.0.1:$LOAD_PORT/web/health"; then return 0; fi
        kill -0 "$SERVER_PID" 2>/dev/null || { tail -n 30 "$1/odoo.log" >&2; echo "error: Odoo did not start" >&2; exit 1; }
        sleep 1
    done
    echo "error: Odoo does not answer on port $LOAD_PORT" >&2; exit 1
}

stop_server() {
    if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
        kill -TERM "$SERVER_PID"
        local i
        for i in $(seq 1 30); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 1; done
        kill -0 "$SERVER_PID" 2>/dev/null && kill -KILL "$SERVER_PID"
        wait "$SERVER_PID" 2>/dev/null || true
    fi
    SERVER_PID=
}

# fault NAME DETAIL START: record one injected fault (its window) for the report
fault() {
    printf '{"name": "%s", "detail": "%s", "start": %s, "end": %s}\n' "$1" "$2" "$3" "$(date +%s.%N)" \
        >> "$OUT/faults.jsonl"
}

# http_worker_pid: one HTTP worker of the prefork server (the processes listening on its port
# other than the server itself; the cron worker closes the listening socket)
http_worker_pid() {
    ss -Hltnp "sport = :$LOAD_PORT" | grep -o 'pid=[0-9]*' | cut -d= -f2 | sort -u \
        | grep -vx "$SERVER_PID" | head -n 1
}

# inject_faults: during the load, a worker killed, PostgreSQL restarted, a cron past its limit
inject_faults() {
    local start pid hold=$((CRON_LIMIT + 30))
    sleep $((DURATION / 8))
    start=$(date +%s.%N); pid=$(http_worker_pid)
    if [ -n "$pid" ]; then kill -KILL "$pid"; fault "SIGKILL of an HTTP worker" "pid $pid" "$start"; fi
    sleep $((DURATION / 8))
    start=$(date +%s.%N)
    "${PG[@]}" restart >> "$OUT/faults.log" 2>&1
    fault "PostgreSQL restart" "pg_ctl restart -m fast" "$start"
    sleep $((DURATION / 8))
    start=$(date +%s.%N)
    # shellcheck disable=SC2046
    "$PYTHON" "$HERE/setup.py" stall-cron --seconds "$hold" $(odoo_common "$LOAD_DB") \
        --log-level=warn >> "$OUT/faults.log" 2>&1 || true
    fault "survey cron past its time limit" "lock held ${hold}s, --limit-time-real-cron=${CRON_LIMIT}" "$start"
}

# load LABEL WORKERS DURATION [USER CLASSES...]: one run on a fresh copy; sets OUT, RC
load() {
    local label=$1 workers=$2 duration=$3; shift 3
    OUT=$RUN_ROOT/$(echo "$label" | tr -c 'a-z0-9\n' '-')-w$workers
    mkdir -p "$OUT"
    echo "== $label: $workers worker(s), ${duration}s (output: $OUT)"
    new_db "$OUT"
    start_server "$OUT" "$workers" "$CRON_LIMIT"
    FAULTS_PID=
    if [ "$FAULTS" = 1 ]; then inject_faults & FAULTS_PID=$!; fi
    local users=$((LOAD_MAIL_USERS + LOAD_AGENTS + LOAD_PORTAL_USERS + LOAD_FORM_USERS))
    [ "$#" -gt 0 ] && users=$LOAD_AGENTS  # agents alone
    set +e
    LOAD_DB=$LOAD_DB LOAD_STATE=$OUT/state.json LOAD_OUT=$OUT \
        "$VENV/bin/locust" -f "$HERE/locustfile.py" --headless --only-summary --loglevel=WARNING \
        --host "http://127.0.0.1:$LOAD_PORT" --users "$users" --spawn-rate "$users" --run-time "${duration}s" \
        --stop-timeout 90 "$@" > "$OUT/locust.log" 2>&1
    set -e
    if [ -n "$FAULTS_PID" ]; then wait "$FAULTS_PID" || true; FAULTS_PID=; fi
    set +e
    "$PYTHON" "$HERE/report.py" run --out "$OUT" --label "$label" --workers "$workers" \
        "host=$CSKH_PG_DIR port=$CSKH_PG_PORT user=odoo dbname=$LOAD_DB"
    RC=$?
    set -e
    stop_server
}

ensure_locust
gevent_fix
start_pg
ensure_template
date -u "+== %Y-%m-%d %H:%M UTC, $(nproc) cores, $(free -g | awk '/^Mem:/ {print $2}') GiB"
if [ "$SCALING" = 1 ]; then
    FAULTS=0
    status=0
    summaries=()
    for w in 1 2 4; do
        load "full load" "$w" "$SCALING_DURATION"; [ "$RC" = 0 ] || status=1
        summaries+=("$OUT/summary.json")
    done
    load "agents alone" 2 "$SCALING_DURATION" Agent; [ "$RC" = 0 ] || status=1
    summaries+=("$OUT/summary.json")
    "$PYTHON" "$HERE/report.py" table "${summaries[@]}" || status=1
    exit $status
fi
label="full load"; [ "$FAULTS" = 1 ] && label="full load with faults"
load "$label" "$WORKERS" "$DURATION"
exit "$RC"
