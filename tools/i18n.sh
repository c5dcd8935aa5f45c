#!/usr/bin/env bash
# Regenerate <module>/i18n/<module>.pot from the code and merge it into the
# .po files; called by `make i18n`.
#
# Installs MODULE (without demo data: demo records must not become terms) on a
# fresh database I18N_DB, exports its terms with Odoo's own exporter
# (`odoo i18n export`), then runs tools/i18n_merge.py, which writes the .pot,
# rebuilds each .po from it (translations of unchanged msgids are kept) and lists
# what is left to translate (also written to .cache/i18n/<lang>.todo.json, a
# {msgid: ""} file to fill in and apply with FILL=...).
#
# Environment (all optional):
#   MODULE        add-on                                  (cskh_helpdesk)
#   I18N_DB       database to (re)create                  (cskh_i18n)
#   I18N_KEEP_DB  1: reuse I18N_DB as it is (module already installed and up to date)
#   LANGS         languages to merge, space-separated     (every i18n/*.po)
#   FILL          JSON {msgid: msgstr} of new translations to apply
#   CHECK         1: exit non-zero if anything is left untranslated
#   ODOO, ODOO_ARGS, EXTRA_ADDONS, PGHOST/DB_HOST...     as for tools/test.sh
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
MODULE=${MODULE:-cskh_helpdesk}
I18N_DB=${I18N_DB:-cskh_i18n}
if [ -z "${ODOO:-}" ]; then
    if command -v odoo >/dev/null 2>&1; then ODOO=odoo; else ODOO="python3 -m odoo"; fi
fi
read -ra ODOO_CMD <<< "$ODOO"
CACHE=$ROOT/.cache
WORK=$CACHE/i18n
DATA_DIR=$CACHE/odoo-data
ADDONS="$ROOT${EXTRA_ADDONS:+,$EXTRA_ADDONS}"
mkdir -p "$WORK" "$DATA_DIR"

DBARGS=$("$ROOT/tools/pg.sh" start)
if [ "${I18N_KEEP_DB:-0}" != 1 ]; then
    echo "== installing $MODULE on a fresh database $I18N_DB (log: $WORK/install.log)"
    "$ROOT/tools/pg.sh" drop-db "$I18N_DB"
    rm -rf "$DATA_DIR/filestore/$I18N_DB"
    # shellcheck disable=SC2086
    "${ODOO_CMD[@]}" --addons-path="$ADDONS" $DBARGS --data-dir="$DATA_DIR" -d "$I18N_DB" \
        -i "$MODULE" --http-interface=127.0.0.1 --no-http --stop-after-init ${ODOO_ARGS:-} \
        >"$WORK/install.log" 2>&1 || { tail -30 "$WORK/install.log"; exit 1; }
fi

# `odoo i18n export` reads the connection from a configuration file only
CONF=$WORK/odoo.conf
{
    echo "[options]"
    echo "addons_path = $ADDONS"
    echo "data_dir = $DATA_DIR"
    for arg in $DBARGS; do
        key=${arg#--}; echo "${key%%=*} = ${arg#*=}"
    done
} >"$CONF"
echo "== exporting the terms of $MODULE from $I18N_DB"
"${ODOO_CMD[@]}" --addons-path="$ADDONS" i18n export -c "$CONF" -d "$I18N_DB" \
    -o "$WORK/$MODULE.pot" "$MODULE" >"$WORK/export.log" 2>&1 || { tail -30 "$WORK/export.log"; exit 1; }

args=(--todo "$WORK")
[ "${CHECK:-0}" = 1 ] && args+=(--check)
[ -n "${FILL:-}" ] && args+=(--fill "$FILL")
# shellcheck disable=SC2086
python3 "$ROOT/tools/i18n_merge.py" "${args[@]}" "$ROOT/$MODULE" "$WORK/$MODULE.pot" ${LANGS:-}
