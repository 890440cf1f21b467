#!/usr/bin/env python3
"""Refresh an add-on's locale/ja.po from a database that has it activated.

    .venv/bin/python tools/export_translations.py [--database power] MODULE...

It exports every translatable string of the module (fields, help texts,
selections, menus, messages, views, data records), keeps the Japanese
translations already in locale/ja.po and adds the new strings with an empty
msgstr, which sao then shows in English until someone translates them.
"""
import argparse
import os
import sys
from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parents[1]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--database', default='power')
    parser.add_argument('modules', nargs='+')
    args = parser.parse_args()
    os.environ.setdefault('TRYTOND_DATABASE__PATH', str(ROOT / 'var' / 'db'))
    from trytond import config
    config.update_etc(str(ROOT / 'trytond.conf'))
    from trytond.pool import Pool
    from trytond.transaction import Transaction
    Pool(args.database).init()
    for module in args.modules:
        with Transaction().start(args.database, 0, readonly=False):
            pool = Pool()
            Translation = pool.get('ir.translation')
            TranslationSet = pool.get('ir.translation.set', type='wizard')
            session_id, _, _ = TranslationSet.create()
            TranslationSet(session_id).transition_set_()
            TranslationUpdate = pool.get(
                'ir.translation.update', type='wizard')
            session_id, _, _ = TranslationUpdate.create()
            update = TranslationUpdate(session_id)
            update.start.language, = pool.get('ir.lang').search(
                [('code', '=', 'ja')])
            update.do_update({})
            content = Translation.translation_export('ja', module)
        exported = polib.pofile(content.decode('utf-8'))
        path = ROOT / 'addons' / module / 'locale' / 'ja.po'
        known = {}
        if path.exists():
            for entry in polib.pofile(str(path)):
                if entry.msgstr:
                    known[(entry.msgctxt, entry.msgid)] = entry.msgstr
        for entry in exported:
            entry.msgstr = known.get((entry.msgctxt, entry.msgid), entry.msgstr)
            entry.occurrences = []
            entry.flags = [f for f in entry.flags if f != 'fuzzy']
        exported.sort(key=lambda e: (e.msgctxt or '', e.msgid))
        exported.metadata = {'Content-Type': 'text/plain; charset=utf-8'}
        exported.save(str(path))
        missing = sum(1 for e in exported if not e.msgstr)
        print(f'{module}: {len(exported)} strings, {missing} untranslated')
    return 0


if __name__ == '__main__':
    sys.exit(main())
