#!/usr/bin/env bash
# Install the add-on next to another helpdesk, OCA's helpdesk_mgmt; called by tools/test.sh
# (`make test`, TEST_COEXIST=1). Usage: coexist_check.sh RUNS_FILE
#
#   1. helpdesk_mgmt comes from its PyPI wheel (pip download --no-deps, cached in
#      .cache/coexist/; HELPDESK_MGMT_VERSION pins it), extracted into a temporary addons
#      directory. No network: this check fails, loudly.
#   2. Database ${TEST_DB}_coexist_a, with demo data: install helpdesk_mgmt; give one of
#      its teams the alias "support" (the address our default team wants); install
#      cskh_helpdesk and run our coexistence tests (tag cskh_coexist: both portals, both
#      back-ends, the alias); then uninstall cskh_helpdesk (tools/uninstall_check.py) and
#      check that helpdesk_mgmt's menus, actions and views still load.
#   3. Database ${TEST_DB}_coexist_b, without demo data: install cskh_helpdesk, then
#      helpdesk_mgmt with its own Python tests (its portal /my/tickets included).
#   Steps of A and B without HTTP tests run side by side.
#
# Every Odoo run must log no warning or error. The runs are appended to RUNS_FILE as
# LABEL:LOGFILE:EXITCODE lines for tools/check_log.py (their tests count in the closing
# "N passed, M failed"); the exit status is non-zero when a step outside those runs failed
# (download, extraction, uninstall).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

RUNS_FILE=${1:?usage: coexist_check.sh RUNS_FILE}
TEST_DB=${TEST_DB:-cskh_test}
TEST_PORT=${TEST_PORT:-8169}
HELPDESK_MGMT_VERSION=${HELPDESK_MGMT_VERSION:-19.0.1.3.2}
VERBOSE=${VERBOSE:-0}
LOGDIR=$CACHE/test
WHEELS=$CACHE/coexist
OTHER=helpdesk_mgmt

mkdir -p "$LOGDIR" "$DATA_DIR" "$WHEELS"
: > "$RUNS_FILE"
start_pg

fail() { echo "coexistence check FAILED: $*" >&2; exit 1; }

# 1. the other helpdesk, from PyPI
wheel=$(find "$WHEELS" -maxdepth 1 -name "odoo_addon_helpdesk_mgmt-${HELPDESK_MGMT_VERSION}-*.whl" -print -quit)
if [ -z "$wheel" ]; then
    echo "   downloading odoo-addon-helpdesk-mgmt==$HELPDESK_MGMT_VERSION from PyPI into $WHEELS"
    if ! "$PYTHON" -m pip download --quiet --no-deps --only-binary=:all: --dest "$WHEELS" \
            "odoo-addon-helpdesk-mgmt==$HELPDESK_MGMT_VERSION" 2>"$LOGDIR/coexist-pip.log"; then
        cat "$LOGDIR/coexist-pip.log" >&2
        fail "cannot download the wheel odoo-addon-helpdesk-mgmt==$HELPDESK_MGMT_VERSION from PyPI" \
             "(no network, or pip missing: '$PYTHON -m pip' must reach PyPI). This check installs" \
             "the add-on next to OCA's helpdesk_mgmt; TEST_COEXIST=0 skips it."
    fi
    wheel=$(find "$WHEELS" -maxdepth 1 -name "odoo_addon_helpdesk_mgmt-${HELPDESK_MGMT_VERSION}-*.whl" -print -quit)
fi
OTHER_ADDONS=$(mktemp -d "${TMPDIR:-/tmp}/cskh-coexist-XXXXXX")
trap 'rm -rf "$OTHER_ADDONS"' EXIT
"$PYTHON" -m zipfile -e "$wheel" "$OTHER_ADDONS" || fail "cannot extract $wheel"
[ -f "$OTHER_ADDONS/odoo/addons/$OTHER/__manifest__.py" ] || fail "$wheel holds no odoo/addons/$OTHER"
ADDONS_PATH="$ROOT,$OTHER_ADDONS/odoo/addons${EXTRA_ADDONS:+,$EXTRA_ADDONS}"

# run_odoo LABEL LOGFILE ARGS... : one Odoo run, recorded for check_log.py
run_odoo() {
    local label=$1 log=$2; shift 2
    local filter=" (WARNING|ERROR|CRITICAL) |odoo\.tests\.result: "
    [ "$VERBOSE" = 1 ] && filter='.'
    set +e
    "${ODOO_CMD[@]}" --addons-path="$ADDONS_PATH" "${DBARGS[@]}" --data-dir="$DATA_DIR" \
        --http-interface=127.0.0.1 --http-port="$TEST_PORT" --screenshots="$CACHE/screenshots" \
        --stop-after-init "$@" "${ODOO_EXTRA[@]}" 2>&1 | tee "$log" | grep -E --line-buffered "$filter"
    local rc=${PIPESTATUS[0]}
    set -e
    echo "$label:$log:$rc" >> "$RUNS_FILE"
}

# run_shell DB SCRIPT LOGFILE [ENV=VALUE...] : an `odoo shell` script that prints OK-<something>
run_shell() {
    local db=$1 script=$2 log=$3; shift 3
    set +e
    env MODULE="$MODULE" "$@" "${ODOO_CMD[@]}" shell --addons-path="$ADDONS_PATH" "${DBARGS[@]}" \
        --data-dir="$DATA_DIR" --http-interface=127.0.0.1 -d "$db" --no-http "${ODOO_EXTRA[@]}" \
        < "$script" > "$log" 2>&1
    set -e
    if ! grep -q '^[A-Z-]*OK' "$log" || grep -E ' (WARNING|ERROR|CRITICAL) ' "$log" | grep -v 'http_interface'; then
        echo "   FAILED: $script on $db:"; tail -n 40 "$log"
        return 1
    fi
}

# Tests that select nothing still end with Odoo's summary line ("0 tests"): the runs
# without tests of their own are labelled optional ('?') for check_log.py. --test-enable
# starts an HTTP server: on a free port (0), as these runs go side by side.
NO_TESTS=(--test-enable --test-tags "/$OTHER:NoSuchTestClass" --http-port=0)
status=0

# Two databases, A and B; the steps without HTTP tests run side by side (the tests use
# TEST_PORT, one run at a time).
DB_A=${TEST_DB}_coexist_a
DB_B=${TEST_DB}_coexist_b
fresh_db "$DB_A"
fresh_db "$DB_B"

# 2. A: helpdesk_mgmt first (demo data), a team of it at support@ ...
prepare_a() {
    run_odoo "coexist-a-$OTHER?" "$LOGDIR/coexist-a1.log" -d "$DB_A" -i "$OTHER" --with-demo "${NO_TESTS[@]}"
    run_shell "$DB_A" /dev/stdin "$LOGDIR/coexist-a2.log" <<'PY'
# a company on helpdesk_mgmt receives its tickets at support@: the address our default team wants
team = env['helpdesk.ticket.team'].search([], limit=1)
team.alias_name = 'support'
env.cr.commit()
print("ALIAS-OK", team.alias_id.display_name)
PY
}
echo "== [$MODULE] coexistence: A ($DB_A) $OTHER $HELPDESK_MGMT_VERSION with demo data, then $MODULE;" \
     "B ($DB_B) $MODULE, then $OTHER with its tests (logs: $LOGDIR/coexist-*.log)"
prepare_a & pid=$!
# 3. ... B: the add-on first (no demo data) ...
run_odoo "coexist-b-$MODULE?" "$LOGDIR/coexist-b1.log" -d "$DB_B" -i "$MODULE" "${NO_TESTS[@]}"
wait $pid || status=1

# 2. ... then the add-on, with our coexistence tests (tag cskh_coexist) ...
run_odoo "coexist-a-$MODULE" "$LOGDIR/coexist-a3.log" -d "$DB_A" -i "$MODULE" \
    --test-enable --test-tags "cskh_coexist/$MODULE"
# ... and uninstalled, helpdesk_mgmt still works
run_shell "$DB_A" "$ROOT/tools/uninstall_check.py" "$LOGDIR/coexist-a4.log" \
    UNINSTALL_CHECK_MODELS=helpdesk.ticket,helpdesk.ticket.team,helpdesk.ticket.stage & pid=$!
# 3. ... then helpdesk_mgmt with its own tests (its JS unit tests, hoot in Chromium, test
# nothing of the coexistence and take long)
run_odoo "coexist-b-$OTHER" "$LOGDIR/coexist-b2.log" -d "$DB_B" -i "$OTHER" \
    --test-enable --test-tags "/$OTHER,-/$OTHER:TestHelpdesMgmtJs"
wait $pid || status=1

exit $status
