# This file is part of the power retailer CIS.  The COPYRIGHT file at the
# top level of this repository contains the full copyright notices and license terms.
"""The scheduled actions of power_portal."""
from trytond.pool import PoolMeta


class Cron(metaclass=PoolMeta):
    __name__ = 'ir.cron'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.method.selection.extend([
                ('power.portal.attempt|clean', "Clean Portal Attempts"),
                ('power.portal.registration_code|issue_missing',
                    "Issue Portal Registration Codes"),
                ])
