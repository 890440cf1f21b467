#!/usr/bin/env python3
"""Patch the sao 8.0 web client installed in sao/ (run by scripts/setup.sh).

Two patches, each applied once and checked (see PATCHES):

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
# the same code with the value read before the options are rebuilt and
# set back after
PATCHED = ORIGINAL.replace('''            select.empty();
''', '''            // power-cis patch (tools/patch_sao.py): keep the selected value
            // while the options are rebuilt
            var current = select.val();
            select.empty();
''').replace('''            }
        },
''', '''            }
            if (current !== null) {
                select.val(current);
            }
        },
''')


# sao's graphs write their value axis as raw numbers (1234567 yen, 4500000
# kWh): the patch writes the ticks with the thousands separators of the
# user's language (Intl.NumberFormat). Boards and pie charts are untouched.
AXIS_ORIGINAL = '''            bb_config.data.color = function(color, column) {
                // column is an object when called for legend
                var key = column.id || column;
                return colors[key] || color;
            };
            return bb_config;
        },'''
AXIS_PATCHED = AXIS_ORIGINAL.replace('''            return bb_config;
''', '''            // power-cis patch (tools/patch_sao.py): value ticks with the
            // thousands separators of the user's language
            var number_format = new Intl.NumberFormat(
                (Sao.i18n.getlang() || 'en').replace('_', '-'));
            bb_config.axis.y = jQuery.extend(bb_config.axis.y || {}, {
                tick: {format: function(value) {
                    return number_format.format(value);
                }},
            });
            return bb_config;
''')

# (what, original, patched): each is applied once and checked
PATCHES = [
    ('Selection.set_selection', ORIGINAL, PATCHED),
    ('Graph._bb_config', AXIS_ORIGINAL, AXIS_PATCHED),
    ]


def main(root):
    path = Path(root) / 'dist' / 'tryton-sao.js'
    text = path.read_text(encoding='utf-8')
    for what, original, patched in PATCHES:
        if patched in text:
            continue
        if text.count(original) != 1:
            print(f"patch_sao: {path} does not contain the expected "
                f"{what} once; sao changed, review the patch",
                file=sys.stderr)
            return 1
        text = text.replace(original, patched)
        print(f"[setup] patched sao's {what} (tools/patch_sao.py)")
    path.write_text(text, encoding='utf-8')
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else 'sao'))
