# This file is part of the power retailer CIS.  The COPYRIGHT file at the
# top level of this repository contains the full copyright notices and license terms.
"""The two changes this project makes to trytond itself, in one place.

Both are applied once per process when power_cis is imported (Tryton
imports every activated add-on's package), so they hold for every database
the process serves; `apply` does nothing the second time. Each is tested in
tests/test_patches.py; docs/design.md ("Changes to trytond") says why.

- `_remember_module_lookups`: trytond.tools.misc.import_module, cached.
- `_limit_records_before_browsing`: RPC.convert checks the records limit
  before it makes records of the ids sent.
"""
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



# one RPC call names at most this many records unless [request]
# records_limit says otherwise (trytond.conf sets it too)
RECORDS_LIMIT = 10000


def _limit_records_before_browsing():
    """Tryton checks an RPC call's size limits ([request] records_limit)
    after it has made records of the ids it was sent, and making n records
    costs O(n²) (ModelStorage.__init__ checks each id is in the list): a
    write or delete of 200,000 ids held a CPU for minutes before being
    refused. Tryton's own check runs first here, with RECORDS_LIMIT where
    none is configured, and refuses with 413 before any work."""
    from http import HTTPStatus

    from werkzeug.exceptions import RequestEntityTooLarge, abort

    from trytond.rpc import RPC
    if getattr(RPC.convert, 'power_checked', False):
        return
    convert = RPC.convert

    def checked(self, obj, *args, **kwargs):
        if self.size_limits:
            values = list(args)
            if ('context' not in kwargs and values
                    and isinstance(values[-1], dict)):
                values.pop()
            limits = {spec: limit or RECORDS_LIMIT
                for spec, limit in self.size_limits.items()}
            try:
                RPC(size_limits=limits)._check_size_limits(values, kwargs)
            except RequestEntityTooLarge:
                abort(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, "at most "
                    f"{min(limits.values())} records in one request")
        return convert(self, obj, *args, **kwargs)
    checked.power_checked = True
    RPC.convert = checked


def apply():
    "Apply both patches (idempotent)."
    _remember_module_lookups()
    _limit_records_before_browsing()
