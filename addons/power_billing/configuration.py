# This file is part of the power retailer CIS.  The COPYRIGHT file at the
# top level of this repository contains the full copyright notices and license terms.
from trytond.model import fields
from trytond.pool import PoolMeta


class Configuration(metaclass=PoolMeta):
    __name__ = 'power.configuration'

    prices_tax_included = fields.Boolean(
        "Prices Tax Included",
        help="Rate menu prices include the consumption tax (税込), as "
        "Japanese residential tariffs are published.")
    consumption_tax = fields.Many2One(
        'account.tax', "Consumption Tax",
        domain=[('parent', '=', None)],
        help="The tax applied to electricity charges (消費税).")
    payment_due_days = fields.Integer(
        "Payment Due Days", required=True,
        domain=[('payment_due_days', '>=', 0)],
        help="Days from the meter reading day to the payment due date "
        "(30 for the usual 早収期限).")

    @classmethod
    def default_prices_tax_included(cls):
        return True

    @classmethod
    def default_payment_due_days(cls):
        return 30
