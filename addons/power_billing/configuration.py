# This file is part of the power retailer CIS.  The COPYRIGHT file at the
# top level of this repository contains the full copyright notices and license terms.
from stdnum.exceptions import ValidationError as StdnumError
from stdnum.jp import cn

from power_core.tariff.market import SPIKE_PRICE

from trytond.exceptions import UserError
from trytond.i18n import gettext
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

    invoice_registration = fields.Char(
        "Invoice Registration Number", strip=True,
        help="The qualified invoice issuer number (適格請求書発行事業者登録"
        "番号): T and the 13 digits of the corporate number, printed on "
        "every bill notice.")
    retailer_registration = fields.Char(
        "Retailer Registration", strip=True,
        help="The retail electricity supplier registration number "
        "(小売電気事業者登録番号, e.g. A0123), printed on bill notices.")
    notice_contact = fields.Char(
        "Notice Contact", strip=True,
        help="The contact line printed on bill notices, e.g. the call "
        "centre's number and hours.")
    notice_message = fields.Text(
        "Notice Message",
        help="A message printed at the foot of every bill notice.")
    market_spike_price = fields.Numeric(
        "Market Spike Price (yen/kWh)", digits=(16, 2), required=True,
        domain=[('market_spike_price', '>', 0)],
        help="A half hour whose JEPX area price (tax excluded) reaches this "
        "is a spike: the portal marks it and warns members on "
        "market-linked menus the day before.")

    @classmethod
    def validate(cls, configurations):
        super().validate(configurations)
        for configuration in configurations:
            configuration.check_invoice_registration()

    def check_invoice_registration(self):
        number = self.invoice_registration
        if not number:
            return
        try:
            if not number.startswith('T') or len(number) != 14:
                raise StdnumError
            cn.validate(number[1:])
        except StdnumError:
            raise UserError(gettext(
                    'power_billing.msg_invoice_registration_invalid',
                    number=number))

    @classmethod
    def default_correction_policy(cls):
        return 'rebill'

    @classmethod
    def default_prices_tax_included(cls):
        return True

    @classmethod
    def default_payment_due_days(cls):
        return 30

    @classmethod
    def default_market_spike_price(cls):
        return SPIKE_PRICE
