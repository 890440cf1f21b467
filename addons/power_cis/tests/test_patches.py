# This file is part of the power retailer CIS.  The COPYRIGHT file at the
# top level of this repository contains the full copyright notices and license terms.
"""The project's two changes to trytond (power_cis/patches.py)."""
import unittest

from werkzeug.exceptions import HTTPException

from trytond.rpc import RPC
from trytond.tools import misc
from trytond.tests.test_tryton import activate_module, with_transaction
from trytond.pool import Pool

from .. import patches


class PatchesTestCase(unittest.TestCase):
    "Changes to trytond"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        activate_module('power_cis')

    def test_apply_twice_changes_nothing(self):
        lookup, convert = misc.import_module, RPC.convert
        patches.apply()
        self.assertIs(misc.import_module, lookup)
        self.assertIs(RPC.convert, convert)

    def test_module_lookups_remembered(self):
        "the same module object, found once; a failed lookup still raises"
        self.assertTrue(hasattr(misc.import_module, 'cache_info'))
        first = misc.import_module('power_cis')
        hits = misc.import_module.cache_info().hits
        self.assertIs(misc.import_module('power_cis'), first)
        self.assertEqual(misc.import_module.cache_info().hits, hits + 1)
        self.assertEqual(first.__name__, 'trytond.modules.power_cis')
        with self.assertRaises(ImportError):
            misc.import_module('power_no_such_module')

    @with_transaction()
    def test_records_limit_before_any_record_is_made(self):
        """a write of more ids than the limit is refused with 413 before
        the model is asked anything; within the limit the call goes on"""
        Contract = Pool().get('power.contract')
        rpc = Contract.__rpc__['write']
        self.assertTrue(rpc.size_limits)
        made = []

        class Watched:
            "stands for the model: any use of it is noted"
            def __getattr__(self, name):
                made.append(name)
                raise AssertionError(name)

        ids = list(range(1, patches.RECORDS_LIMIT + 2))
        with self.assertRaises(HTTPException) as raised:
            rpc.convert(Watched(), ids, {'description': 'x'}, {})
        self.assertEqual(raised.exception.code, 413)
        self.assertEqual(made, [])
        # within the limit: Tryton's own conversion runs (and uses the model)
        with self.assertRaises(AssertionError):
            rpc.convert(Watched(), [1], {'description': 'x'}, {})
        self.assertTrue(made)
