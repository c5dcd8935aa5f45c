#!/usr/bin/env bash
# Run the Odoo tests of one add-on on fresh databases; called by `make test`.
#
# Environment (all optional; the Makefile passes its variables):
#   MODULE     add-on to install and test              (cskh_helpdesk)
#   TAGS       --test-tags of the main run              (/$MODULE)
#   TEST_DB    database of the main run, recreated      (cskh_test)
#   TEST_DEMO  1: also install on a second fresh database WITH demo data
#              (must log no warning/error) and run DEMO_TAGS there; 0: skip (1)
#   DEMO_TAGS  --test-tags of the demo run              (cskh_demo/$MODULE)
#              tests tagged @tagged('-standard', 'cskh_demo', 'post_install',
#              '-at_install'); zero such tests is fine
#   TEST_COEXIST  1: also install next to OCA's helpdesk_mgmt, both orders, and
#              uninstall (tools/coexist_check.sh; needs PyPI once, then cached in
#              .cache/coexist/); 0: skip                 (TEST_DEMO)
#   TEST_PORT  HTTP port of the test server (tours)    (8169)
#   ODOO       odoo command            (odoo on PATH, else python3 -m odoo)
#   ODOO_ARGS  extra arguments for odoo
#   EXTRA_ADDONS  extra addons directories, comma-separated (after the repo root)
#   VERBOSE    1: stream the whole Odoo log, not only warnings/errors
#
# The main run installs MODULE without demo data and runs TAGS (at_install
# and post_install tests). Logs go to .cache/test/; the last line printed is
# "N passed, M failed"; the exit status is non-zero on any failure, error or
# warning (see tools/check_log.py).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
MODULE=${MODULE:-cskh_helpdesk}
TAGS=${TAGS:-/$MODULE}
TEST_DB=${TEST_DB:-cskh_test}
TEST_DEMO=${TEST_DEMO:-1}
DEMO_TAGS=${DEMO_TAGS:-cskh_demo/$MODULE}
TEST_COEXIST=${TEST_COEXIST:-$TEST_DEMO}
TEST_PORT=${TEST_PORT:-8169}
# odoo executable: $ODOO, else `odoo` on PATH, else `python3 -m odoo`
if [ -z "${ODOO:-}" ]; then
    if command -v odoo >/dev/null 2>&1; then ODOO=odoo; else ODOO="python3 -m odoo"; fi
fi
read -ra ODOO_CMD <<< "$ODOO"
ODOO_ARGS=${ODOO_ARGS:-}
VERBOSE=${VERBOSE:-0}
CACHE=$ROOT/.cache
LOGDIR=$CACHE/test
DATA_DIR=$CACHE/odoo-data

python3 -c 'import odoo.release' 2>/dev/null || {
    echo "error: Odoo 19 is not importable by python3 (see README.md, 'Getting Odoo 19')" >&2; exit 2; }

mkdir -p "$LOGDIR" "$DATA_DIR"
DBARGS=$("$ROOT/tools/pg.sh" start)

fresh_db() {
    "$ROOT/tools/pg.sh" drop-db "$1"
    rm -rf "$DATA_DIR/filestore/$1"
}

# run_odoo LOGFILE ARGS... ; sets RC
run_odoo() {
    local log=$1; shift
    local filter=" (WARNING|ERROR|CRITICAL) |odoo\.tests\.result: |Starting post tests|Module $MODULE loaded in"
    [ "$VERBOSE" = 1 ] && filter='.'
    set +e
    # shellcheck disable=SC2086
    "${ODOO_CMD[@]}" --addons-path="$ROOT${EXTRA_ADDONS:+,$EXTRA_ADDONS}" $DBARGS --data-dir="$DATA_DIR" \
        --http-interface=127.0.0.1 --http-port="$TEST_PORT" \
        --screenshots="$CACHE/screenshots" \
        --stop-after-init "$@" $ODOO_ARGS 2>&1 \
        | tee "$log" | grep -E --line-buffered "$filter"
    RC=${PIPESTATUS[0]}
    set -e
}

RUNS=()
EXTRA_FAILED=0  # checks outside Odoo's test runs (uninstall, coexistence), one failure each
echo "== [$MODULE] install without demo data, tests $TAGS on $TEST_DB (log: $LOGDIR/test.log)"
fresh_db "$TEST_DB"
run_odoo "$LOGDIR/test.log" -d "$TEST_DB" -i "$MODULE" --test-enable --test-tags "$TAGS"
RUNS+=("no demo:$LOGDIR/test.log:$RC")

if [ "$TEST_DEMO" = 1 ]; then
    DEMO_DB=${TEST_DB}_demo
    echo "== [$MODULE] install WITH demo data, tests $DEMO_TAGS on $DEMO_DB (log: $LOGDIR/test-demo.log)"
    fresh_db "$DEMO_DB"
    run_odoo "$LOGDIR/test-demo.log" -d "$DEMO_DB" -i "$MODULE" --with-demo --test-enable --test-tags "$DEMO_TAGS"
    RUNS+=("demo data?:$LOGDIR/test-demo.log:$RC")

    echo "== [$MODULE] uninstall from $DEMO_DB (log: $LOGDIR/uninstall.log)"
    set +e
    # shellcheck disable=SC2086
    MODULE=$MODULE "${ODOO_CMD[@]}" shell --addons-path="$ROOT${EXTRA_ADDONS:+,$EXTRA_ADDONS}" $DBARGS \
        --data-dir="$DATA_DIR" --http-interface=127.0.0.1 -d "$DEMO_DB" --no-http $ODOO_ARGS \
        < "$ROOT/tools/uninstall_check.py" > "$LOGDIR/uninstall.log" 2>&1
    set -e
    if ! grep -q '^UNINSTALL-OK' "$LOGDIR/uninstall.log" \
            || grep -E ' (WARNING|ERROR|CRITICAL) ' "$LOGDIR/uninstall.log" | grep -v 'http_interface'; then
        echo "uninstall check FAILED:"; tail -n 40 "$LOGDIR/uninstall.log"
        EXTRA_FAILED=$((EXTRA_FAILED + 1))
    fi
fi

if [ "$TEST_COEXIST" = 1 ]; then
    coexist_start=$(date +%s)
    set +e
    "$ROOT/tools/coexist_check.sh" "$LOGDIR/coexist.runs"
    coexist_rc=$?
    set -e
    [ $coexist_rc = 0 ] || EXTRA_FAILED=$((EXTRA_FAILED + 1))
    while IFS= read -r run; do RUNS+=("$run"); done < "$LOGDIR/coexist.runs"
    echo "== [$MODULE] coexistence check: $(( $(date +%s) - coexist_start ))s"
fi

set +e
python3 "$ROOT/tools/check_log.py" "${RUNS[@]}" > "$LOGDIR/verdict.txt"
status=$?
set -e
if [ "$EXTRA_FAILED" -gt 0 ]; then
    status=1
    # keep the closing "N passed, M failed" line true: each failed check is one more failure
    python3 - "$LOGDIR/verdict.txt" "$EXTRA_FAILED" <<'PY'
import re, sys
path, extra = sys.argv[1], int(sys.argv[2])
lines = open(path).read().splitlines()
for i in range(len(lines) - 1, -1, -1):
    m = re.fullmatch(r'(\d+) passed, (\d+) failed(.*)', lines[i])
    if m:
        lines[i] = f"{m[1]} passed, {int(m[2]) + extra} failed{m[3]}"
        break
open(path, 'w').write('\n'.join(lines) + '\n')
PY
fi
if [ $status -ne 0 ]; then
    for r in "${RUNS[@]}"; do
        log=${r%:*}; log=${log#*:}
        echo "---- last 40 lines of $log ----"
        tail -n 40 "$log"
    done
    echo "----"
fi
cat "$LOGDIR/verdict.txt"
exit $status
