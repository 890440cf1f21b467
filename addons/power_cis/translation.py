# This file is part of the power retailer CIS.  The COPYRIGHT file at the
# top level of this repository contains the full copyright notices and license terms.
"""Japanese for the stock Tryton modules the staff work in.

Tryton ships no Japanese for its own modules (party, account, ...). Each
of our modules carries the translations of the stock modules it depends
on in ``locale/stock/<stock module>/<lang>.po``, and they are loaded when
that module's own translations are: on activation or update, exactly as
Tryton loads a module's ``locale/<lang>.po``, and under the stock module's
name (so a menu or action of ``party`` is found by its XML id there). A
stock module that is not activated is skipped; a file that does not parse
stops the update with polib's error, naming the file.

The sao web client's own strings are not a Tryton module's: they are in
``locale/sao/ja.po`` and turned into sao's ``locale/ja.json`` by
``tools/sao_locale.py`` (run by scripts/setup.sh).
"""
import os
from glob import glob

from trytond.pool import Pool, PoolMeta

STOCK_DIRECTORY = 'stock'


def stock_files(module, lang):
    """[(stock module, path)] of the stock translations module carries for
    lang, sorted by module."""
    from trytond.modules import get_module_info
    directory = get_module_info(module).get('directory')
    if not directory:
        return []
    pattern = os.path.join(
        directory, 'locale', STOCK_DIRECTORY, '*', f'{lang}.po')
    return sorted(
        (os.path.basename(os.path.dirname(path)), path)
        for path in glob(pattern))


class Translation(metaclass=PoolMeta):
    __name__ = 'ir.translation'

    @classmethod
    def translation_import(cls, lang, module, po_path):
        super().translation_import(lang, module, po_path)
        if module.startswith('power_'):
            cls.stock_translation_import(lang, module)

    @classmethod
    def stock_translation_import(cls, lang, module):
        "Load the stock modules' translations that module carries for lang."
        Module = Pool().get('ir.module')
        files = stock_files(module, lang)
        if not files:
            return
        activated = {m.name for m in Module.search([
                    ('name', 'in', [name for name, _ in files]),
                    ('state', 'in', ['activated', 'to upgrade',
                            'to activate']),
                    ])}
        for stock_module, path in files:
            if stock_module in activated:
                super().translation_import(lang, stock_module, [path])
