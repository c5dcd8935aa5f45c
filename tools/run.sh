#!/usr/bin/env bash
# Serve a demo database with the add-on installed; called by `make run`.
#
# Environment (the Makefile passes its variables):
#   DB              database to serve, created with demo data if missing (cskh_demo)
#   PORT            HTTP port                                             (8069)
#   HTTP_INTERFACE  address to listen on (0.0.0.0 to expose it)           (127.0.0.1)
#   MODULE          add-on installed in DB                                (cskh_helpdesk)
#   ODOO            odoo command                 (odoo on PATH, else python3 -m odoo)
#   ODOO_ARGS       extra arguments for odoo, e.g. "-u cskh_helpdesk --dev=xml"
#   EXTRA_ADDONS    extra addons directories, comma-separated (after the repo root)
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
DB=${DB:-cskh_demo}
PORT=${PORT:-8069}
HTTP_INTERFACE=${HTTP_INTERFACE:-127.0.0.1}
MODULE=${MODULE:-cskh_helpdesk}
# odoo executable: $ODOO, else `odoo` on PATH, else `python3 -m odoo`
if [ -z "${ODOO:-}" ]; then
    if command -v odoo >/dev/null 2>&1; then ODOO=odoo; else ODOO="python3 -m odoo"; fi
fi
read -ra ODOO_CMD <<< "$ODOO"
ODOO_ARGS=${ODOO_ARGS:-}
DATA_DIR=$ROOT/.cache/odoo-data

python3 -c 'import odoo.release' 2>/dev/null || {
    echo "error: Odoo 19 is not importable by python3 (see README.md, 'Getting Odoo 19')" >&2; exit 2; }

mkdir -p "$DATA_DIR"
DBARGS=$("$ROOT/tools/pg.sh" start)
# shellcheck disable=SC2206
COMMON=(--addons-path="$ROOT${EXTRA_ADDONS:+,$EXTRA_ADDONS}" $DBARGS --data-dir="$DATA_DIR" -d "$DB")

state=$("$ROOT/tools/pg.sh" module-state "$DB" "$MODULE")
if [ "$state" != installed ]; then
    if "$ROOT/tools/pg.sh" db-exists "$DB"; then
        echo "== installing $MODULE into existing database $DB"
    else
        echo "== creating database $DB with demo data and $MODULE (first run takes a few minutes)"
    fi
    # --with-demo only matters for a new database (Odoo 19 installs no demo data by default)
    # shellcheck disable=SC2086
    "${ODOO_CMD[@]}" "${COMMON[@]}" -i "$MODULE" --with-demo --stop-after-init \
        --http-interface=127.0.0.1 --no-http $ODOO_ARGS
    state=$("$ROOT/tools/pg.sh" module-state "$DB" "$MODULE")
    [ "$state" = installed ] || {
        echo "error: $MODULE is not installed in $DB (state: '${state:-none}'); see the log above." \
             "Start over with: make reset-demo && make run" >&2
        exit 1
    }
fi

echo "== serving $DB on http://localhost:$PORT (login: admin / password: admin); Ctrl-C stops"
# shellcheck disable=SC2086
exec "${ODOO_CMD[@]}" "${COMMON[@]}" --db-filter="^${DB}\$" \
    --http-interface="$HTTP_INTERFACE" --http-port="$PORT" $ODOO_ARGS
