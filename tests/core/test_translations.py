"""The Japanese we ship: our add-ons' locale/ja.po and the stock modules'
translations in locale/stock/ never give the same string two different
Japanese texts (which one a screen shows would depend on the lookup), and
every entry of a stock file is translated with its placeholders kept."""
import re
from pathlib import Path

import polib
import pytest

ROOT = Path(__file__).resolve().parents[2]
STOCK = sorted(ROOT.glob('addons/*/locale/stock/*/ja.po'))
PLACEHOLDER = re.compile(r'%\([a-z_0-9]+\)[sdrfi]|%[sdrf]|\{[a-z_0-9]*\}')


def test_stock_files_are_shipped():
    modules = {p.parent.name for p in STOCK}
    assert {'ir', 'res', 'party', 'account', 'account_invoice',
        'account_payment', 'account_dunning', 'country'} <= modules


def test_no_string_translated_twice_differently():
    ours = {}
    for path in ROOT.glob('addons/*/locale/ja.po'):
        for entry in polib.pofile(str(path)):
            if entry.msgstr:
                ours[(entry.msgctxt, entry.msgid)] = entry.msgstr
    conflicts = []
    for path in STOCK:
        for entry in polib.pofile(str(path)):
            key = (entry.msgctxt, entry.msgid)
            if key in ours and ours[key] != entry.msgstr:
                conflicts.append(f'{path.relative_to(ROOT)}: {key}: '
                    f'{entry.msgstr!r} but ours {ours[key]!r}')
    assert not conflicts, '\n'.join(conflicts)


@pytest.mark.parametrize('path', STOCK, ids=lambda p: p.parent.name)
def test_stock_file_translated(path):
    problems = []
    for entry in polib.pofile(str(path)):
        if entry.obsolete:
            continue
        values = (list(entry.msgstr_plural.values()) if entry.msgid_plural
            else [entry.msgstr])
        if not all(values) or 'fuzzy' in entry.flags:
            problems.append(f'{entry.msgctxt}: not translated')
        for value in values:
            if (sorted(PLACEHOLDER.findall(value))
                    != sorted(PLACEHOLDER.findall(entry.msgid))):
                problems.append(f'{entry.msgctxt}: placeholders {value!r}')
    assert not problems, '\n'.join(problems[:20])
