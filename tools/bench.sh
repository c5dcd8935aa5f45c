#!/usr/bin/env bash
# `make bench`: install cskh_helpdesk on a fresh database and run tools/bench.py on it.
#
# Environment: BENCH_DB (cskh_bench), BENCH_EMAILS (30), BENCH_SIZE (100000),
# ODOO, ODOO_ARGS, EXTRA_ADDONS as for `make test`. PostgreSQL as tools/pg.sh.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
MODULE=${MODULE:-cskh_helpdesk}
BENCH_DB=${BENCH_DB:-cskh_bench}
BENCH_EMAILS=${BENCH_EMAILS:-30}
BENCH_SIZE=${BENCH_SIZE:-100000}
if [ -z "${ODOO:-}" ]; then
    if command -v odoo >/dev/null 2>&1; then ODOO=odoo; else ODOO="python3 -m odoo"; fi
fi
read -ra ODOO_CMD <<< "$ODOO"
read -ra EXTRA <<< "${ODOO_ARGS:-}"
ADDONS=$ROOT${EXTRA_ADDONS:+,$EXTRA_ADDONS}
DATA_DIR=$ROOT/.cache/odoo-data
mkdir -p "$ROOT/.cache/bench" "$DATA_DIR"
read -ra DBARGS <<< "$("$ROOT/tools/pg.sh" start)"

"$ROOT/tools/pg.sh" drop-db "$BENCH_DB"
rm -rf "$DATA_DIR/filestore/$BENCH_DB"
start=$(date +%s)
echo "installing $MODULE on $BENCH_DB ..."
"${ODOO_CMD[@]}" -d "$BENCH_DB" "${DBARGS[@]}" --addons-path="$ADDONS" --data-dir="$DATA_DIR" \
    -i "$MODULE" --stop-after-init --no-http --log-level=warn "${EXTRA[@]}" \
    >"$ROOT/.cache/bench/install.log" 2>&1 || { tail -30 "$ROOT/.cache/bench/install.log"; exit 1; }
echo "benchmark ..."
python3 "$ROOT/tools/bench.py" --emails "$BENCH_EMAILS" --size "$BENCH_SIZE" \
    -d "$BENCH_DB" "${DBARGS[@]}" --addons-path="$ADDONS" --data-dir="$DATA_DIR" --log-level=warn "${EXTRA[@]}"
echo "bench finished in $(( $(date +%s) - start )) s (install included)"
