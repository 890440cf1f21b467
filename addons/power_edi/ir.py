# This file is part of the power retailer CIS.  The COPYRIGHT file at the
# top level of this repository contains the full copyright notices and license terms.
"""The scheduled actions of power_edi."""
from trytond.pool import PoolMeta


class Cron(metaclass=PoolMeta):
    __name__ = 'ir.cron'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.method.selection += [
            ('power.edi.endpoint|cron_poll', "Poll Exchange Inboxes"),
            ('power.edi.endpoint|cron_print', "Send Print Batches"),
            ('power.edi.endpoint|cron_plan', "Send the Supply Plan"),
            ('power.edi.endpoint|cron_collect',
                "Send Direct-Debit and Card Requests"),
            ('power.edi.endpoint|cron_points', "Send Point Programme Files"),
            ('power.dr.event|cron_settle', "Settle Demand Response Events"),
            ]
