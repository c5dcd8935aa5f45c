# Shared by the tools/*.sh scripts (source it, do not run it): where the repository,
# Odoo, its Python and the addons path are, and the pieces of an Odoo command line
# that every run uses.
#
# Environment read (the Makefile passes its variables; all optional):
#   MODULE        add-on                                   (cskh_helpdesk)
#   ODOO          odoo command       (odoo on PATH, else "$PYTHON -m odoo")
#   PYTHON        Python that imports Odoo                 (python3)
#   ODOO_ARGS     extra arguments for every odoo run
#   EXTRA_ADDONS  extra addons directories, comma-separated (after the repo root)
#
# Sets: ROOT, MODULE, PYTHON, ODOO_CMD (array), ODOO_EXTRA (array, ODOO_ARGS split on
# blanks), ADDONS (the --addons-path value), CACHE (.cache/), DATA_DIR (Odoo's
# --data-dir, filestore included).
# Functions: require_odoo, start_pg (sets DBARGS, an array of --db_* arguments),
# fresh_db DB.

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
MODULE=${MODULE:-cskh_helpdesk}
PYTHON=${PYTHON:-python3}
if [ -z "${ODOO:-}" ]; then
    if command -v odoo >/dev/null 2>&1; then ODOO=odoo; else ODOO="$PYTHON -m odoo"; fi
fi
read -ra ODOO_CMD <<< "$ODOO"
read -ra ODOO_EXTRA <<< "${ODOO_ARGS:-}"
ADDONS=$ROOT${EXTRA_ADDONS:+,$EXTRA_ADDONS}
CACHE=$ROOT/.cache
DATA_DIR=$CACHE/odoo-data

# require_odoo: stop with a clear message unless $PYTHON imports Odoo 19
require_odoo() {
    "$PYTHON" -c 'import odoo.release' 2>/dev/null || {
        echo "error: Odoo 19 is not importable by $PYTHON (see README.md, 'Getting Odoo 19')" >&2
        exit 2
    }
}

# start_pg: make sure PostgreSQL answers (tools/pg.sh) and set DBARGS to Odoo's --db_* arguments
start_pg() {
    local args
    args=$("$ROOT/tools/pg.sh" start) || exit 1
    read -ra DBARGS <<< "$args"
}

# fresh_db DB: drop database DB and its filestore
fresh_db() {
    "$ROOT/tools/pg.sh" drop-db "$1"
    rm -rf "${DATA_DIR:?}/filestore/$1"
}
