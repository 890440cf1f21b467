# This file is part of the power retailer CIS.  The COPYRIGHT file at the
# top level of this repository contains the full copyright notices and license terms.
"""The scheduled actions of power_billing."""
from trytond.pool import PoolMeta


class Cron(metaclass=PoolMeta):
    __name__ = 'ir.cron'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.method.selection.append(
            ('power.batch.run|cron_billing', "Daily Billing Run (調定)"))
        cls.method.selection.append(
            ('power.billing.document|cron_issue',
                "Archive Issued Bills and Credit Notes"))
        cls.method.selection.append(
            ('power.billing.payer|cron_consolidate',
                "Payer Statements of the Closed Months (一括請求)"))

    @classmethod
    def preprocess_values(cls, mode, values):
        """The scheduled actions of the power add-ons get their next run
        when they are made (Tryton leaves it empty until the first run, so
        staff saw no next run of the daily billing)."""
        values = super().preprocess_values(mode, values)
        if (mode == 'create' and not values.get('next_call')
                and str(values.get('method') or '').startswith('power.')):
            names = ['interval_number', 'interval_type', 'minute', 'hour',
                'day', 'weekday']
            values['next_call'] = cls(**{name: values.get(name)
                    for name in names}).compute_next_call()
        return values
