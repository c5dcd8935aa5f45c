#!/usr/bin/env bash
# Run the Odoo tests of one add-on on fresh databases; called by `make test`.
#
# Environment (all optional; the Makefile passes its variables):
#   BRIDGES    bridge add-ons of the repository installed with MODULE in the
#              main run, comma-separated (cskh_helpdesk_livechat for cskh_helpdesk)
#   TAGS       --test-tags of the main run              (/$MODULE and /bridge each)
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
#   VERBOSE    1: stream the whole Odoo log, not only warnings/errors
#   MODULE, ODOO, PYTHON, ODOO_ARGS, EXTRA_ADDONS   see tools/lib.sh
#
# The main run installs MODULE and BRIDGES without demo data and runs TAGS
# (at_install and post_install tests). Logs go to .cache/test/; the last line printed is
# "N passed, M failed"; the exit status is non-zero when Odoo reports a failed
# test, or logs a warning or an error (see tools/check_log.py).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

if [ -z "${BRIDGES+set}" ] && [ "$MODULE" = cskh_helpdesk ]; then BRIDGES=cskh_helpdesk_livechat; fi
BRIDGES=${BRIDGES:-}
TAGS=${TAGS:-/$MODULE${BRIDGES:+,/${BRIDGES//,/,/}}}
TEST_DB=${TEST_DB:-cskh_test}
TEST_DEMO=${TEST_DEMO:-1}
DEMO_TAGS=${DEMO_TAGS:-cskh_demo/$MODULE}
TEST_COEXIST=${TEST_COEXIST:-$TEST_DEMO}
TEST_PORT=${TEST_PORT:-8169}
VERBOSE=${VERBOSE:-0}
LOGDIR=$CACHE/test

require_odoo
mkdir -p "$LOGDIR" "$DATA_DIR"
start_pg

# run_odoo LOGFILE ARGS... : one Odoo run, its log in LOGFILE; sets RC to its exit status
run_odoo() {
    local log=$1; shift
    local filter=" (WARNING|ERROR|CRITICAL) |odoo\.tests\.result: |Starting post tests|Module $MODULE loaded in"
    [ "$VERBOSE" = 1 ] && filter='.'
    set +e
    "${ODOO_CMD[@]}" --addons-path="$ADDONS" "${DBARGS[@]}" --data-dir="$DATA_DIR" \
        --http-interface=127.0.0.1 --http-port="$TEST_PORT" --screenshots="$CACHE/screenshots" \
        --stop-after-init "$@" "${ODOO_EXTRA[@]}" 2>&1 \
        | tee "$log" | grep -E --line-buffered "$filter"
    RC=${PIPESTATUS[0]}
    set -e
}

RUNS=()
EXTRA_FAILED=0  # checks outside Odoo's test runs (uninstall, coexistence), one failure each
echo "== [$MODULE${BRIDGES:+,$BRIDGES}] install without demo data, tests $TAGS on $TEST_DB (log: $LOGDIR/test.log)"
fresh_db "$TEST_DB"
run_odoo "$LOGDIR/test.log" -d "$TEST_DB" -i "$MODULE${BRIDGES:+,$BRIDGES}" --test-enable --test-tags "$TAGS"
RUNS+=("no demo:$LOGDIR/test.log:$RC")

if [ "$TEST_DEMO" = 1 ]; then
    DEMO_DB=${TEST_DB}_demo
    echo "== [$MODULE] install WITH demo data, tests $DEMO_TAGS on $DEMO_DB (log: $LOGDIR/test-demo.log)"
    fresh_db "$DEMO_DB"
    run_odoo "$LOGDIR/test-demo.log" -d "$DEMO_DB" -i "$MODULE" --with-demo --test-enable --test-tags "$DEMO_TAGS"
    RUNS+=("demo data?:$LOGDIR/test-demo.log:$RC")

    echo "== [$MODULE] uninstall from $DEMO_DB (log: $LOGDIR/uninstall.log)"
    set +e
    MODULE=$MODULE "${ODOO_CMD[@]}" shell --addons-path="$ADDONS" "${DBARGS[@]}" \
        --data-dir="$DATA_DIR" --http-interface=127.0.0.1 -d "$DEMO_DB" --no-http "${ODOO_EXTRA[@]}" \
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
"$PYTHON" "$ROOT/tools/check_log.py" --extra-failed "$EXTRA_FAILED" "${RUNS[@]}" > "$LOGDIR/verdict.txt"
status=$?
set -e
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
