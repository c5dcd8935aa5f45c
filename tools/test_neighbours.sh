#!/usr/bin/env bash
# Run Odoo's own mail / crm / rating / portal test classes twice, on fresh databases:
# with cskh_helpdesk installed and without it, and compare; called by
# `make test-neighbours`.
#
# The classes are re-declared as post_install tests by the throwaway module
# tools/neighbour/cskh_neighbour_tests (only this script puts tools/neighbour on
# the addons path): they run once every installed module is loaded, so in the
# first run they see the add-on's overrides of mail.thread, mail.alias...
# A test that fails with the add-on only is ours to fix; one that fails in both
# runs is upstream's (reported, not blamed on the add-on).
#
# Environment (all optional; the Makefile passes its variables):
#   TEST_DB     prefix of the two databases, recreated: ${TEST_DB}_nb_with and
#               ${TEST_DB}_nb_without                              (cskh_test)
#   NB_TAGS     --test-tags of both runs                           (/cskh_neighbour_tests)
#               e.g. /cskh_neighbour_tests:TestMailgateway, or the tag
#               cskh_neighbour_test_mail / _crm / _rating / _portal
#   NB_RUNS     which runs: "with without" (default), or just "with"
#   TEST_PORT   HTTP port of the test server (tours)              (8169)
#   VERBOSE     1: stream the whole Odoo log
#   ODOO, PYTHON, ODOO_ARGS, EXTRA_ADDONS   see tools/lib.sh
#
# Logs: .cache/test/neighbours-with.log and neighbours-without.log; the last line
# printed is "N passed, M failed" for the run with the add-on, M counting only the
# tests that do not fail without it. Exit status non-zero when such a test exists.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

TEST_DB=${TEST_DB:-cskh_test}
NB_TAGS=${NB_TAGS:-/cskh_neighbour_tests}
NB_RUNS=${NB_RUNS:-with without}
TEST_PORT=${TEST_PORT:-8169}
VERBOSE=${VERBOSE:-0}
LOGDIR=$CACHE/test
ADDONS="$ADDONS,$ROOT/tools/neighbour"

require_odoo
"$PYTHON" -c 'import odoo.addons.test_mail' 2>/dev/null || {
    echo "error: Odoo's test modules (test_mail) are not installed next to Odoo" >&2; exit 2; }

mkdir -p "$LOGDIR" "$DATA_DIR"
start_pg

ARGS=()
for run in $NB_RUNS; do
    case $run in
        with) modules=cskh_helpdesk,cskh_neighbour_tests ;;
        without) modules=cskh_neighbour_tests ;;
        *) echo "error: NB_RUNS: unknown run '$run' (with, without)" >&2; exit 2 ;;
    esac
    db=${TEST_DB}_nb_$run
    log=$LOGDIR/neighbours-$run.log
    echo "== [neighbours $run cskh_helpdesk] install $modules, tests $NB_TAGS on $db (log: $log)"
    fresh_db "$db"
    filter=' (ERROR|CRITICAL) |odoo\.tests\.result: |Starting post tests'
    [ "$VERBOSE" = 1 ] && filter='.'
    start=$(date +%s)
    set +e
    "${ODOO_CMD[@]}" --addons-path="$ADDONS" "${DBARGS[@]}" --data-dir="$DATA_DIR" \
        --http-interface=127.0.0.1 --http-port="$TEST_PORT" --screenshots="$CACHE/screenshots" \
        -d "$db" -i "$modules" --test-enable --test-tags "$NB_TAGS" --stop-after-init "${ODOO_EXTRA[@]}" 2>&1 \
        | tee "$log" | grep -E --line-buffered "$filter"
    rc=${PIPESTATUS[0]}
    set -e
    echo "== [neighbours $run cskh_helpdesk] $(( $(date +%s) - start )) s, odoo exit status $rc"
    ARGS+=("$run:$log:$rc")
done

"$PYTHON" "$ROOT/tools/neighbour/compare.py" "${ARGS[@]}"
