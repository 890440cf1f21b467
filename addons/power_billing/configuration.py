# This file is part of the power retailer CIS.  The COPYRIGHT file at the
# top level of this repository contains the full copyright notices and license terms.
from stdnum.exceptions import ValidationError as StdnumError
from stdnum.jp import cn

from power_core import payments as core
from power_core.errors import PowerCoreError
from power_core.tariff.market import SPIKE_PRICE

from trytond.exceptions import UserError
from trytond.i18n import gettext
from trytond.model import ModelSQL, fields
from trytond.modules.company.model import CompanyValueMixin
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval
from trytond.transaction import Transaction

from .exceptions import PaymentError


# field: (label, help, the account of the retailer chart's template that
# set_chart_accounts fills it with)
ACCOUNTS = {
    'account_sales': ("Sales Account",
        "Electricity charges (電気料金): the basic, energy and fuel "
        "adjustment charges.", 'account_template_jp_4110'),
    'account_surcharge': ("Renewable Surcharge Account",
        "The renewable energy surcharge (再エネ賦課金) billed.",
        'account_template_jp_4120'),
    'account_adjustment': ("Discounts and Subsidies Account",
        "Subsidies, discounts and billing adjustments.",
        'account_template_jp_4130'),
    'account_interest': ("Late Interest Account",
        "Late payment interest (延滞利息) billed.",
        'account_template_jp_4910'),
    'account_collection': ("Collection Account",
        "The account of the collections' statement journals (collections "
        "in transit).", 'account_template_jp_1120'),
    'account_suspense': ("Suspense Account",
        "Receipts whose customer is not known yet (仮受金).",
        'account_template_jp_2320'),
    'account_refund': ("Refund Account",
        "Overpayments refunded to customers.", 'account_template_jp_2110'),
    }


_CONTEXT_COMPANY = Eval('context', {}).get('company', -1)
_COMPANY = Eval('company', -1)


def _account_field(name, company=_CONTEXT_COMPANY):
    "The account field name of ACCOUNTS, of company (the context's)."
    label, help_, _ = ACCOUNTS[name]
    return fields.Many2One(
        'account.account', label,
        domain=[('company', '=', company), ('closed', '!=', True),
            ('type', '!=', None)],
        help=help_)


class Configuration(metaclass=PoolMeta):
    __name__ = 'power.configuration'

    account_sales = fields.MultiValue(_account_field('account_sales'))
    account_surcharge = fields.MultiValue(_account_field('account_surcharge'))
    account_adjustment = fields.MultiValue(
        _account_field('account_adjustment'))
    account_interest = fields.MultiValue(_account_field('account_interest'))
    account_collection = fields.MultiValue(
        _account_field('account_collection'))
    account_suspense = fields.MultiValue(_account_field('account_suspense'))
    account_refund = fields.MultiValue(_account_field('account_refund'))

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

    # collections
    debit_days = fields.Char(
        "Debit Days",
        help="The days of the month direct debits are made, comma "
        "separated (31 for the last day): three batches a month, each for "
        "the bills due from that day to the next debit day.")
    debit_lead_days = fields.Integer(
        "Debit Lead Days",
        domain=['OR', ('debit_lead_days', '=', None),
            ('debit_lead_days', '>=', 1)],
        help="Business days before the debit date the request is sent to "
        "the bank.")
    interest_rate = fields.Numeric(
        "Late Interest Rate", digits=(4, 4),
        help="A year, from the day after the due date (0.10 for 10%).")
    interest_grace_days = fields.Integer(
        "Interest Grace Days",
        help="No late interest when paid within these days after the due "
        "date.")
    interest_on_tax = fields.Boolean(
        "Interest on Tax Too",
        help="Compute late interest on the bill with its consumption tax; "
        "unchecked, on the bill less the tax, as most supply terms (約款) "
        "say.")
    termination_notice_days = fields.Integer(
        "Termination Notice Days",
        domain=['OR', ('termination_notice_days', '=', None),
            ('termination_notice_days', '>=', core.MIN_NOTICE_DAYS)],
        help="Days between the termination warning (解約予告通知) and the "
        "termination; at least 15 (METI retail guidelines).")
    non_payment_reason = fields.Many2One(
        'power.cancellation.reason', "Non-payment Reason",
        help="The cancellation reason of terminations for non-payment.")
    collection_after_days = fields.Integer(
        "Collection Agency After (days)",
        help="Days after the termination before unpaid debts go to the "
        "collection agency list.")

    @classmethod
    def multivalue_model(cls, field):
        if field in ACCOUNTS:
            return Pool().get('power.configuration.account')
        return super().multivalue_model(field)

    def accounts(self, company, *names):
        """{name: account} of company for the names of ACCOUNTS asked; an
        account not set is an error that names the setting (never a guess
        by account code)."""
        result = {}
        for name in names:
            account = self.get_multivalue(name, company=int(company))
            if not account:
                raise UserError(gettext(
                        'power_billing.msg_configuration_account_missing',
                        account=ACCOUNTS[name][0]))
            result[name] = account
        return result

    @classmethod
    def set_chart_accounts(cls, company):
        """Fill the accounts not set yet of company with those created from
        the retailer chart (power_billing.account_template_jp_root)."""
        pool = Pool()
        Account = pool.get('account.account')
        ModelData = pool.get('ir.model.data')
        configuration = cls(1)
        for name, (_, _, template) in ACCOUNTS.items():
            if configuration.get_multivalue(name, company=company.id):
                continue
            accounts = Account.search([
                    ('company', '=', company.id),
                    ('template', '=', ModelData.get_id(
                            'power_billing', template)),
                    ], limit=1)
            if accounts:
                configuration.set_multivalue(
                    name, accounts[0], company=company.id)

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

    def payment_settings(self):
        "The settings with their defaults."
        return {
            'debit_days': core.parse_debit_days(self.debit_days or '5,15,25'),
            'debit_lead_days': self.debit_lead_days or 5,
            'interest_rate': (self.interest_rate
                if self.interest_rate is not None else core.INTEREST_RATE),
            'interest_grace_days': (self.interest_grace_days
                if self.interest_grace_days is not None
                else core.INTEREST_GRACE_DAYS),
            'interest_tax_excluded': not self.interest_on_tax,
            'termination_notice_days': (self.termination_notice_days
                or 20),
            'collection_after_days': (self.collection_after_days
                if self.collection_after_days is not None else 30),
            }

    @classmethod
    def validate_fields(cls, configurations, field_names):
        super().validate_fields(configurations, field_names)
        for configuration in configurations:
            try:
                core.parse_debit_days(configuration.debit_days or '5')
            except PowerCoreError as error:
                raise PaymentError(gettext(
                        'power_billing.msg_debit_days',
                        reason=error.reason)) from error


class ConfigurationAccount(ModelSQL, CompanyValueMixin):
    "Power Configuration Account"
    __name__ = 'power.configuration.account'

    account_sales = _account_field('account_sales', _COMPANY)
    account_surcharge = _account_field('account_surcharge', _COMPANY)
    account_adjustment = _account_field('account_adjustment', _COMPANY)
    account_interest = _account_field('account_interest', _COMPANY)
    account_collection = _account_field('account_collection', _COMPANY)
    account_suspense = _account_field('account_suspense', _COMPANY)
    account_refund = _account_field('account_refund', _COMPANY)


class CreateChart(metaclass=PoolMeta):
    __name__ = 'account.create_chart'

    def transition_create_account(self):
        """A chart made from the retailer template fills the accounts of the
        power configuration (as account's wizard fills the default
        receivable and payable ones)."""
        state = super().transition_create_account()
        Configuration = Pool().get('power.configuration')
        company = self.account.company
        with Transaction().set_context(company=company.id):
            Configuration.set_chart_accounts(company)
        return state
