#!/usr/bin/env python3
"""Turn a translation of sao's messages (locale/sao/<lang>.po) into the JSON
file sao loads for that language (sao/locale/<lang>.json), as sao's own
build does with grunt-po2json (run by scripts/setup.sh).

    tools/sao_locale.py locale/sao/ja.po sao/locale/ja.json

sao's release has no Japanese; the translation is ours. An entry without a
translation, a fuzzy one or one whose placeholders (%1, %2, ...) differ
from the English stops the conversion, naming the entry, so the client
never shows a half-translated or broken message.
"""
import json
import re
import sys
from pathlib import Path

import polib

PLACEHOLDER = re.compile(r'%\d+|%s|%d')


def convert(po_path):
    po = polib.pofile(str(po_path))
    plural_forms = po.metadata.get('Plural-Forms', 'nplurals=1; plural=0;')
    data = {'': {'content-type': 'text/plain; charset=utf-8',
            'language': po.metadata.get('Language', 'ja'),
            'plural-forms': plural_forms}}
    problems = []
    for entry in po:
        if entry.obsolete:
            continue
        key = entry.msgid
        if entry.msgctxt:
            key = f'{entry.msgctxt}\u0004{key}'
        if entry.msgid_plural:
            values = [entry.msgstr_plural[i]
                for i in sorted(entry.msgstr_plural)]
        else:
            values = [entry.msgstr]
        where = f'{po_path}:{entry.linenum} ({entry.msgid!r})'
        if 'fuzzy' in entry.flags or not all(values):
            problems.append(f'{where}: not translated')
            continue
        for value in values:
            if (sorted(PLACEHOLDER.findall(value))
                    != sorted(PLACEHOLDER.findall(entry.msgid))):
                problems.append(f'{where}: placeholders differ in {value!r}')
        data[key] = [entry.msgid_plural or None, *values]
    if problems:
        raise ValueError('\n'.join(problems))
    return data


def main(argv):
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    po_path, json_path = map(Path, argv)
    try:
        data = convert(po_path)
    except (OSError, ValueError) as error:
        print(f'sao_locale: {error}', file=sys.stderr)
        return 1
    json_path.write_text(json.dumps(data, ensure_ascii=False),
        encoding='utf-8')
    print(f'sao_locale: {len(data) - 1} messages written to {json_path}')
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
