#!/usr/bin/env python3
"""Install a freshly exported .pot in an add-on and merge it into its .po files.

Usage:
    i18n_merge.py [--check] [--todo DIR] [--fill FILE.json] MODULE_DIR EXPORTED.pot [LANG ...]

* MODULE_DIR/i18n/<module>.pot is replaced by EXPORTED.pot (as written by
  `odoo i18n export`, header like Odoo's own .pot files).
* For each LANG (default: every MODULE_DIR/i18n/*.po), the .po is rebuilt from
  the .pot like `msgmerge`: entries keep their translation when their msgid
  (and msgctxt) is unchanged, new entries are added untranslated, entries whose
  msgid disappeared are dropped (and listed, so their text can be reused).
  No fuzzy matching: a changed English text must be re-read by a translator.
* --todo DIR: the untranslated msgids go to DIR/<lang>.todo.json, ready to be
  filled in and passed back with --fill.
* --fill FILE.json: {"msgid": "msgstr", ...} translations to apply on top
  (handy to translate the new entries of a merge in one go).
* Prints the untranslated entries (with their source) and a summary
  "<lang>: N entries, P% translated, U untranslated"; with --check the exit
  status is 1 when a .po has untranslated or fuzzy entries.
"""
import argparse
import datetime
import json
import os
import sys

import polib

LANG_HEADERS = {
    'vi': {'Language-Team': 'Vietnamese', 'Language': 'vi', 'Plural-Forms': 'nplurals=1; plural=0;'},
}


def po_header(pot, lang):
    header = dict(pot.metadata)
    header['PO-Revision-Date'] = datetime.datetime.now(datetime.UTC).strftime('%Y-%m-%d %H:%M+0000')
    header.update(LANG_HEADERS.get(lang, {'Language': lang}))
    order = ['Project-Id-Version', 'Report-Msgid-Bugs-To', 'POT-Creation-Date', 'PO-Revision-Date',
             'Last-Translator', 'Language-Team', 'Language', 'MIME-Version', 'Content-Type',
             'Content-Transfer-Encoding', 'Plural-Forms']
    return {k: header.get(k, '') for k in order}


def merge(pot, po_path, lang, fill):
    old = polib.pofile(po_path) if os.path.exists(po_path) else polib.POFile()
    known = {(e.msgctxt, e.msgid): e for e in old if not e.obsolete}
    new = polib.POFile(wrapwidth=78)
    new.header = pot.header
    new.metadata = po_header(pot, lang)
    for entry in pot:
        previous = known.pop((entry.msgctxt, entry.msgid), None)
        merged = polib.POEntry(
            msgid=entry.msgid, msgctxt=entry.msgctxt, msgid_plural=entry.msgid_plural,
            occurrences=entry.occurrences, comment=entry.comment, tcomment=entry.tcomment,
            flags=[f for f in entry.flags if f != 'fuzzy'],
        )
        if previous is not None and 'fuzzy' not in previous.flags:
            merged.msgstr = previous.msgstr
            merged.msgstr_plural = previous.msgstr_plural
        if entry.msgid in fill:
            merged.msgstr = fill[entry.msgid]
        if entry.msgid_plural and not merged.msgstr_plural:
            merged.msgstr_plural = {0: merged.msgstr or ''}
        new.append(merged)
    if not _same_entries(old, new):  # keep the file (and its dates) when nothing changed
        new.save(po_path)
    return new, list(known.values())


def _same_entries(old, new):
    def key(po):
        return [(e.msgctxt, e.msgid, e.msgstr, e.occurrences, e.comment, e.flags) for e in po if not e.obsolete]
    return key(old) == key(new) and old.metadata.get('Language') == new.metadata.get('Language')


def report(po, lang, dropped):
    untranslated = po.untranslated_entries()
    fuzzy = po.fuzzy_entries()
    for e in dropped:
        print(f'[{lang}] dropped (msgid no longer in the code): {e.msgid!r} -> {e.msgstr!r}')
    for e in untranslated:
        where = ', '.join(f'{o[0]}' for o in e.occurrences[:2]) or e.comment
        print(f'[{lang}] untranslated: {e.msgid!r}   ({where})')
    for e in fuzzy:
        print(f'[{lang}] fuzzy: {e.msgid!r}')
    print(f'{lang}: {len(po)} entries, {po.percent_translated()}% translated, '
          f'{len(untranslated)} untranslated, {len(fuzzy)} fuzzy')
    return not untranslated and not fuzzy


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--check', action='store_true', help='exit 1 if something is left to translate')
    parser.add_argument('--fill', help='JSON file {msgid: msgstr} of translations to apply')
    parser.add_argument('--todo', metavar='DIR',
                        help='write the untranslated msgids of each language to DIR/<lang>.todo.json '
                             '({msgid: ""}), to be filled in and given back with --fill')
    parser.add_argument('module_dir')
    parser.add_argument('pot')
    parser.add_argument('langs', nargs='*')
    args = parser.parse_args()

    module = os.path.basename(os.path.normpath(args.module_dir))
    i18n_dir = os.path.join(args.module_dir, 'i18n')
    os.makedirs(i18n_dir, exist_ok=True)
    pot = polib.pofile(args.pot, wrapwidth=78)
    pot_path = os.path.join(i18n_dir, f'{module}.pot')
    if not os.path.exists(pot_path) or not _same_entries(polib.pofile(pot_path), pot):
        pot.save(pot_path)
    langs = args.langs or sorted(f[:-3] for f in os.listdir(i18n_dir) if f.endswith('.po'))
    fill = {}
    if args.fill:
        with open(args.fill, encoding='utf-8') as f:
            fill = json.load(f)
    print(f'{module}.pot: {len(pot)} entries')
    complete = True
    for lang in langs:
        po, dropped = merge(pot, os.path.join(i18n_dir, f'{lang}.po'), lang, fill)
        complete &= report(po, lang, dropped)
        if args.todo:
            os.makedirs(args.todo, exist_ok=True)
            todo = os.path.join(args.todo, f'{lang}.todo.json')
            with open(todo, 'w', encoding='utf-8') as f:
                json.dump({e.msgid: '' for e in po.untranslated_entries()}, f, ensure_ascii=False, indent=1)
            print(f'{lang}: untranslated msgids written to {todo}')
    sys.exit(1 if args.check and not complete else 0)


if __name__ == '__main__':
    main()
