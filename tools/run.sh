#!/usr/bin/env bash
# Serve a demo database with the add-on installed; called by `make run`.
#
# Environment (the Makefile passes its variables):
#   DB              database to serve, created with demo data if missing (cskh_demo)
#   PORT            HTTP port                                             (8069)
#   HTTP_INTERFACE  address to listen on (0.0.0.0 to expose it)           (127.0.0.1)
#   MODULE, ODOO, PYTHON, ODOO_ARGS, EXTRA_ADDONS   see tools/lib.sh
#                   (e.g. ODOO_ARGS="-u cskh_helpdesk --dev=xml")
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

DB=${DB:-cskh_demo}
PORT=${PORT:-8069}
HTTP_INTERFACE=${HTTP_INTERFACE:-127.0.0.1}

require_odoo
mkdir -p "$DATA_DIR"
start_pg
COMMON=(--addons-path="$ADDONS" "${DBARGS[@]}" --data-dir="$DATA_DIR" -d "$DB")

state=$("$ROOT/tools/pg.sh" module-state "$DB" "$MODULE")
if [ "$state" != installed ]; then
    if "$ROOT/tools/pg.sh" db-exists "$DB"; then
        echo "== installing $MODULE into existing database $DB"
    else
        echo "== creating database $DB with demo data and $MODULE (first run takes a few minutes)"
    fi
    # --with-demo only matters for a new database (Odoo 19 installs no demo data by default)
    "${ODOO_CMD[@]}" "${COMMON[@]}" -i "$MODULE" --with-demo --stop-after-init \
        --http-interface=127.0.0.1 --no-http "${ODOO_EXTRA[@]}"
    state=$("$ROOT/tools/pg.sh" module-state "$DB" "$MODULE")
    [ "$state" = installed ] || {
        echo "error: $MODULE is not installed in $DB (state: '${state:-none}'); see the log above." \
             "Start over with: make reset-demo && make run" >&2
        exit 1
    }
fi

echo "== serving $DB on http://localhost:$PORT (login: admin / password: admin); Ctrl-C stops"
exec "${ODOO_CMD[@]}" "${COMMON[@]}" --db-filter="^${DB}\$" \
    --http-interface="$HTTP_INTERFACE" --http-port="$PORT" "${ODOO_EXTRA[@]}"
