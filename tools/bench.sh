#!/usr/bin/env bash
# `make bench`: install cskh_helpdesk and project (Odoo's same-work baseline, in the
# bench database only) on a fresh database and run tools/bench.py on it.
#
# Environment: BENCH_DB (cskh_bench), BENCH_EMAILS (30), BENCH_SIZE (100000);
# MODULE, ODOO, PYTHON, ODOO_ARGS, EXTRA_ADDONS: see tools/lib.sh. PostgreSQL as tools/pg.sh.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

BENCH_DB=${BENCH_DB:-cskh_bench}
BENCH_EMAILS=${BENCH_EMAILS:-30}
BENCH_SIZE=${BENCH_SIZE:-100000}

require_odoo
mkdir -p "$CACHE/bench" "$DATA_DIR"
start_pg
fresh_db "$BENCH_DB"
start=$(date +%s)
echo "installing $MODULE and project on $BENCH_DB ..."
"${ODOO_CMD[@]}" -d "$BENCH_DB" "${DBARGS[@]}" --addons-path="$ADDONS" --data-dir="$DATA_DIR" \
    -i "$MODULE,project" --stop-after-init --no-http --log-level=warn "${ODOO_EXTRA[@]}" \
    >"$CACHE/bench/install.log" 2>&1 || { tail -30 "$CACHE/bench/install.log"; exit 1; }
echo "benchmark ..."
"$PYTHON" "$ROOT/tools/bench.py" --emails "$BENCH_EMAILS" --size "$BENCH_SIZE" \
    -d "$BENCH_DB" "${DBARGS[@]}" --addons-path="$ADDONS" --data-dir="$DATA_DIR" --log-level=warn "${ODOO_EXTRA[@]}"
echo "bench finished in $(( $(date +%s) - start )) s (install included)"
