#!/usr/bin/env python3
"""Patch the sao 8.0 web client installed in sao/ (run by scripts/setup.sh).

sao's form Selection widget rebuilds its options on every redisplay and
sets the value back only in a later turn of the event loop. A save in
between (a form redisplayed when a one-to-many line is added, or when a
field changes on save) reads the first option instead of the chosen one,
silently changing the record (seen on our forms: a new rate menu version
saved as 'Active' with '30 Days'). The patch keeps the selected value
while the options are rebuilt. It is applied once and checked: if sao's
code is not exactly what we patch, setup stops rather than serve a client
with the bug.
"""
import sys
from pathlib import Path

ORIGINAL = '''        set_selection: function(selection, help) {
            var select = this.select;
            select.empty();
            for (const e of selection) {
                select.append(jQuery('<option/>', {
                    'value': JSON.stringify(e[0]),
                    'text': e[1],
                    'title': help[e[0]],
                }));
            }
        },
        display_update_selection: function() {'''
PATCHED = '''        set_selection: function(selection, help) {
            var select = this.select;
            // power-cis patch (tools/patch_sao.py): keep the selected value
            // while the options are rebuilt
            var current = select.val();
            select.empty();
            for (const e of selection) {
                select.append(jQuery('<option/>', {
                    'value': JSON.stringify(e[0]),
                    'text': e[1],
                    'title': help[e[0]],
                }));
            }
            if (current !== null) {
                select.val(current);
            }
        },
        display_update_selection: function() {'''


def main(root):
    path = Path(root) / 'dist' / 'tryton-sao.js'
    text = path.read_text(encoding='utf-8')
    if PATCHED in text:
        return 0
    if text.count(ORIGINAL) != 1:
        print(f"patch_sao: {path} does not contain the expected "
            "Selection.set_selection once; sao changed, review the patch",
            file=sys.stderr)
        return 1
    path.write_text(text.replace(ORIGINAL, PATCHED), encoding='utf-8')
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else 'sao'))
