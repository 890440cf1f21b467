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

    correction_policy = fields.Selection([
            ('rebill', "Cancel and Re-bill (全取消)"),
            ('adjust', "Adjust on the Next Bill (調整取消)"),
            ], "Correction Policy",
        help="When confirmed usage is corrected after billing (or an "
        "estimated bill is trued up): credit the invoice and bill the period "
        "again, or carry the difference to the next invoice.")
    estimate_after_days = fields.Integer(
        "Estimate After (days)",
        domain=['OR', ('estimate_after_days', '=', None),
            ('estimate_after_days', '>=', 0)],
        help="Days after the expected reading day without confirmed usage "
        "before an estimated bill is issued; empty for never.")

    @classmethod
    def default_correction_policy(cls):
        return 'rebill'

    @classmethod
    def default_prices_tax_included(cls):
        return True

    @classmethod
    def default_payment_due_days(cls):
        return 30
