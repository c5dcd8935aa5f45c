#!/usr/bin/env bash
# Regenerate <module>/i18n/<module>.pot from the code and merge it into the
# .po files; called by `make i18n`.
#
# Installs MODULE (without demo data: demo records must not become terms) on a
# fresh database I18N_DB and exports its terms with Odoo's own exporter
# (`odoo i18n export`). The .pot is replaced when its terms changed (not for its
# date alone), then merged into each .po by gettext's msgmerge, without fuzzy
# matching (a changed English text must be read again by a translator): entries of
# an unchanged msgid keep their translation, new ones come untranslated, entries
# whose msgid disappeared are dropped (and printed, so that their text can be
# reused). Prints what is left to translate and writes it to
# .cache/i18n/<lang>.todo.json, a {msgid: ""} file to fill in and apply with FILL.
#
# Environment (all optional):
#   I18N_DB       database to (re)create                  (cskh_i18n)
#   I18N_KEEP_DB  1: reuse I18N_DB as it is (module already installed and up to date)
#   LANGS         languages to merge, space-separated     (every i18n/*.po)
#   FILL          JSON {msgid: msgstr} of translations to apply (they replace the
#                 .po's translation of these msgids)
#   CHECK         1: exit non-zero if anything is left untranslated or fuzzy
#   MODULE, ODOO, PYTHON, ODOO_ARGS, EXTRA_ADDONS, PGHOST/DB_HOST...  see tools/lib.sh
# Needs gettext (msgmerge, msgattrib, msgcat, msgfmt, msginit; Debian: apt-get install gettext).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

I18N_DB=${I18N_DB:-cskh_i18n}
WORK=$CACHE/i18n
I18N=$ROOT/$MODULE/i18n
POT=$I18N/$MODULE.pot

command -v msgmerge >/dev/null 2>&1 || {
    echo "error: gettext is missing (msgmerge); Debian: apt-get install gettext" >&2; exit 2; }
require_odoo
mkdir -p "$WORK" "$DATA_DIR" "$I18N"
start_pg

if [ "${I18N_KEEP_DB:-0}" != 1 ]; then
    echo "== installing $MODULE on a fresh database $I18N_DB (log: $WORK/install.log)"
    fresh_db "$I18N_DB"
    "${ODOO_CMD[@]}" --addons-path="$ADDONS" "${DBARGS[@]}" --data-dir="$DATA_DIR" -d "$I18N_DB" \
        -i "$MODULE" --http-interface=127.0.0.1 --no-http --stop-after-init "${ODOO_EXTRA[@]}" \
        >"$WORK/install.log" 2>&1 || { tail -30 "$WORK/install.log"; exit 1; }
fi

# `odoo i18n export` reads the connection from a configuration file only
CONF=$WORK/odoo.conf
{
    echo "[options]"
    echo "addons_path = $ADDONS"
    echo "data_dir = $DATA_DIR"
    for arg in "${DBARGS[@]}"; do
        key=${arg#--}; echo "${key%%=*} = ${arg#*=}"
    done
} >"$CONF"
echo "== exporting the terms of $MODULE from $I18N_DB"
"${ODOO_CMD[@]}" --addons-path="$ADDONS" i18n export -c "$CONF" -d "$I18N_DB" \
    -o "$WORK/$MODULE.pot" "$MODULE" >"$WORK/export.log" 2>&1 || { tail -30 "$WORK/export.log"; exit 1; }

# the .pot, kept as it is when only its dates changed
without_dates() { grep -v '^"\(POT-Creation\|PO-Revision\)-Date: ' "$@"; }  # FILE, or stdin
if [ -f "$POT" ] && diff -q <(without_dates "$POT") <(without_dates "$WORK/$MODULE.pot") >/dev/null; then
    state=unchanged
else
    cp "$WORK/$MODULE.pot" "$POT"
    state=updated
fi
echo "$MODULE.pot: $state, $(msgattrib --no-obsolete "$POT" | grep -c '^msgid ' | awk '{print $1 - 1}') entries"

# FILL as a .po with the header of the .po it fills (msgcat keeps the first file's header)
fill_po() {  # fill_po PO JSON
    sed '/^$/q' "$1"
    "$PYTHON" - "$2" <<'PY'
import json, sys
with open(sys.argv[1], encoding='utf-8') as f:
    for msgid, msgstr in json.load(f).items():
        if msgstr:
            print(f"msgid {json.dumps(msgid, ensure_ascii=False)}\nmsgstr {json.dumps(msgstr, ensure_ascii=False)}\n")
PY
}

complete=1
langs=${LANGS:-$(find "$I18N" -maxdepth 1 -name '*.po' -printf '%f\n' | sed 's/\.po$//' | sort)}
for lang in $langs; do
    po=$I18N/$lang.po
    [ -f "$po" ] || msginit --no-translator --locale="$lang" --input="$POT" --output-file="$po" 2>/dev/null
    src=$po
    if [ -n "${FILL:-}" ]; then
        fill_po "$po" "$FILL" > "$WORK/$lang.fill.po"
        msgcat --use-first -o "$WORK/$lang.filled.po" "$WORK/$lang.fill.po" "$po"
        src=$WORK/$lang.filled.po
    fi
    msgmerge --quiet --no-fuzzy-matching -o "$WORK/$lang.merged.po" "$src" "$POT"
    if msgattrib --only-obsolete "$WORK/$lang.merged.po" | grep -q '^#~ msgid'; then
        echo "[$lang] dropped (msgid no longer in the code):"
        msgattrib --only-obsolete "$WORK/$lang.merged.po" | sed '1,/^$/d'
    fi
    msgattrib --no-obsolete -o "$WORK/$lang.po" "$WORK/$lang.merged.po"
    # the .po is rewritten (in gettext's layout) only when more than its dates changed
    if ! diff -q <(msgcat "$po" | without_dates) <(without_dates "$WORK/$lang.po") >/dev/null; then
        sed "0,/^\"PO-Revision-Date: .*/s//\"PO-Revision-Date: $(date -u '+%Y-%m-%d %H:%M+0000')\\\\n\"/" \
            "$WORK/$lang.po" > "$po"
        echo "$lang.po: updated"
    fi

    left=$(msgattrib --no-obsolete --untranslated "$po" | sed '1,/^$/d'; msgattrib --no-obsolete --only-fuzzy "$po" | sed '1,/^$/d')
    if [ -n "$left" ]; then
        complete=0
        echo "[$lang] left to translate:"
        echo "$left"
    fi
    echo "$lang: $(msgfmt --statistics -o /dev/null "$po" 2>&1)"
    "$PYTHON" - "$po" "$WORK/$lang.todo.json" <<'PY'
import json, sys
import polib
po = polib.pofile(sys.argv[1])
with open(sys.argv[2], 'w', encoding='utf-8') as f:
    json.dump({e.msgid: '' for e in po.untranslated_entries() + po.fuzzy_entries()}, f, ensure_ascii=False, indent=1)
PY
    echo "$lang: untranslated msgids written to $WORK/$lang.todo.json"
done
if [ "${CHECK:-0}" = 1 ] && [ $complete = 0 ]; then
    echo "CHECK: something is left to translate" >&2
    exit 1
fi
