# This file is part of the power retailer CIS.  The COPYRIGHT file at the
# top level of this repository contains the full copyright notices and license terms.

import functools

from trytond.tools import misc as _misc


def _remember_module_lookups():
    """trytond.tools.misc.import_module looks a module up among every
    installed entry point on each call (about 1 ms with this project's
    packages); Tryton's registry checks in ModuleTestCase call it about
    14,000 times per test, 4-5 s each. Where a module name leads never
    changes within a process, so the answer is remembered (a failed lookup
    raises and is not remembered)."""
    if not hasattr(_misc.import_module, 'cache_info'):
        _misc.import_module = functools.cache(_misc.import_module)


_remember_module_lookups()
