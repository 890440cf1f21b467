# This file is part of the power retailer CIS.  The COPYRIGHT file at the
# top level of this repository contains the full copyright notices and license terms.
"""Payment methods, collection batches and the reconciliation of receipts
(消し込み), on Tryton's account_payment and account_statement.

- A customer has one payment method at a time, with history: card (the
  agent's token and the masked number only), bank direct debit (Zengin
  account data and the mandate) or konbini slip. A new method applies to
  the invoices dated from its start date.
- Direct debits and card charges are account.payment records grouped by
  collection (account.payment.group: one Zengin file or card request);
  their results succeed or fail them.
- Every receipt (a debit or charge that succeeded, a store payment, a
  bank transfer) is matched to its customer's open invoices by
  power_core.payments.match_receipt and booked as a line of an
  account.statement of its channel: exact matches are reconciled; a
  partial payment stays on the invoice as a payment line; the surplus of
  an overpayment stays a credit of the customer, applied to the next
  invoice (or refunded); a receipt of an unknown customer is held on the
  suspense account. Whatever is not an exact match waits in the receipt
  work queue for a clerk."""
import datetime as dt
from collections import defaultdict
from decimal import Decimal

from power_core import payments as core
from power_core.errors import PowerCoreError
from power_core.formats import konbini
from power_core.formats.zengin import ACCOUNT_TYPES, RESULTS, zengin_kana
from sql import Null

from trytond.i18n import gettext
from trytond.model import Index, ModelSQL, ModelView, Unique, Workflow, fields
from trytond.modules.power_cis.common import (
    ServerReadonly, UnreadableFieldsHidden, now)
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Bool, Eval
from trytond.tools import grouped_slice
from trytond.transaction import Transaction
from trytond.wizard import Button, StateTransition, StateView, Wizard

from .exceptions import PaymentError

SUSPENSE_ACCOUNT = '2320'      # 仮受金: receipts of unknown customers
REFUND_ACCOUNT = '2110'        # refunds payable to customers
INTEREST_ACCOUNT = '4910'
METHOD_KINDS = [
    ('card', "Credit Card"),
    ('bank', "Bank Direct Debit (口座振替)"),
    ('konbini', "Payment Slip (払込票)"),
    ]
CHANNELS = [
    ('bank', "Direct Debit"),
    ('card', "Card"),
    ('konbini', "Convenience Store"),
    ('transfer', "Bank Transfer"),
    ('credit', "Customer Credit"),
    ]
# Zengin result codes that mean the account or the mandate is unusable
ACCOUNT_FAILURES = {'2', '3', '4', '8'}


def company_accounts(company):
    "{code: account} of the company's chart."
    Account = Pool().get('account.account')
    return {a.code: a for a in Account.search([
                ('company', '=', company.id), ('code', '!=', None)])}


class Configuration(metaclass=PoolMeta):
    __name__ = 'power.configuration'
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


class PaymentAgent(metaclass=PoolMeta):
    __name__ = 'power.payment.agent'
    biller_code = fields.Char(
        "Biller Code", strip=True,
        help="委託者コード (10 digits) at the bank, the 6-digit company code "
        "of konbini barcodes, or the merchant ID at the card agent.")
    biller_name_kana = fields.Char(
        "Biller Name (Kana)",
        help="The retailer's name in half-width kana, as on Zengin files.")
    bank = fields.Many2One(
        'bank', "Bank", ondelete='RESTRICT',
        states={'invisible': Eval('kind') != 'bank'},
        help="The bank that collects the debits (取引銀行).")
    bank_branch = fields.Many2One(
        'power.bank.branch', "Branch", ondelete='RESTRICT',
        domain=[('bank', '=', Eval('bank', -1))],
        states={'invisible': Eval('kind') != 'bank'})
    statement_journal = fields.Many2One(
        'account.statement.journal', "Statement Journal",
        ondelete='RESTRICT',
        help="Where the receipts of this agent are booked.")
    payment_journal = fields.Many2One(
        'account.payment.journal', "Payment Journal", ondelete='RESTRICT',
        states={'invisible': Eval('kind') == 'konbini'},
        help="The journal of the debits or charges requested.")

    @classmethod
    def validate_fields(cls, agents, field_names):
        super().validate_fields(agents, field_names)
        for agent in agents:
            code = agent.biller_code
            if not code:
                continue
            if agent.kind == 'bank' and not (code.isdigit()
                    and len(code) == 10):
                raise PaymentError(gettext(
                        'power_billing.msg_biller_code_bank', code=code))
            if agent.kind == 'konbini' and not (code.isdigit()
                    and len(code) == 6):
                raise PaymentError(gettext(
                        'power_billing.msg_biller_code_konbini', code=code))
            if agent.biller_name_kana:
                try:
                    zengin_kana(agent.biller_name_kana, 'biller_name', 40)
                except PowerCoreError as error:
                    raise PaymentError(gettext(
                            'power_billing.msg_kana', reason=error.reason))


_METHOD_DRAFT = {'readonly': Eval('state') == 'ended'}


class PaymentDataLogged:
    """Every read of the payment data fields (_payment_data) by a member of
    staff, through the client or RPC, goes to the operator log with the
    record and the fields."""
    __slots__ = ()
    _payment_data = {'account_number', 'account_holder', 'card_token'}

    @classmethod
    def read(cls, ids, fields_names):
        result = super().read(ids, fields_names)
        names = cls._payment_data & set(fields_names)
        if names and ids and Transaction().check_access:
            Pool().get('power.operator.log').personal_data_read(
                cls.__name__, ids, sorted(names))
        return result


class PaymentMethod(
        UnreadableFieldsHidden, PaymentDataLogged, ModelSQL, ModelView):
    "Payment Method"
    __name__ = 'power.payment.method'
    _history = True
    party = fields.Many2One(
        'party.party', "Customer", required=True, ondelete='CASCADE')
    kind = fields.Selection(METHOD_KINDS, "Kind", required=True,
        states=_METHOD_DRAFT)
    start_date = fields.Date(
        "Applies From", required=True, states=_METHOD_DRAFT,
        help="The method pays the invoices dated from this day.")
    agent = fields.Many2One(
        'power.payment.agent', "Agent", ondelete='RESTRICT',
        domain=[('kind', '=', Eval('kind'))],
        states={
            'required': Eval('kind').in_(['card', 'bank']),
            'readonly': _METHOD_DRAFT['readonly'],
            })
    state = fields.Selection([
            ('pending', "Registration Pending"),
            ('valid', "Valid"),
            ('invalid', "Invalid"),
            ('ended', "Replaced"),
            ], "State", required=True, readonly=True,
        help="Invalid: the bank or the card agent refused it; the customer "
        "gets payment slips until a new method is registered.")
    status_note = fields.Char("Status Note", readonly=True)
    # card: the agent's token and the masked number only
    card_token = fields.Char(
        "Card Token", strip=True,
        states={
            'invisible': Eval('kind') != 'card',
            'required': Eval('kind') == 'card',
            'readonly': _METHOD_DRAFT['readonly'],
            },
        help="The payment agent's token for the card; the card number "
        "itself is never stored.")
    card_masked = fields.Char(
        "Card Number", strip=True,
        states={
            'invisible': Eval('kind') != 'card',
            'readonly': _METHOD_DRAFT['readonly'],
            },
        help="Masked, e.g. ************1234.")
    card_expiry = fields.Char(
        "Expiry (YYYYMM)", size=6,
        states={'invisible': Eval('kind') != 'card'})
    # bank
    bank = fields.Many2One(
        'bank', "Bank", ondelete='RESTRICT',
        states={
            'invisible': Eval('kind') != 'bank',
            'required': Eval('kind') == 'bank',
            'readonly': _METHOD_DRAFT['readonly'],
            })
    bank_branch = fields.Many2One(
        'power.bank.branch', "Branch", ondelete='RESTRICT',
        domain=[('bank', '=', Eval('bank', -1))],
        states={
            'invisible': Eval('kind') != 'bank',
            'required': Eval('kind') == 'bank',
            'readonly': _METHOD_DRAFT['readonly'],
            })
    account_type = fields.Selection(
        [(None, '')] + sorted(ACCOUNT_TYPES.items()), "Account Type",
        states={
            'invisible': Eval('kind') != 'bank',
            'required': Eval('kind') == 'bank',
            'readonly': _METHOD_DRAFT['readonly'],
            })
    account_number = fields.Char(
        "Account Number", size=7, strip=True,
        states={
            'invisible': Eval('kind') != 'bank',
            'required': Eval('kind') == 'bank',
            'readonly': _METHOD_DRAFT['readonly'],
            })
    account_masked = fields.Function(
        fields.Char("Account", states={'invisible': Eval('kind') != 'bank'}),
        'get_account_masked')
    account_holder = fields.Char(
        "Account Holder (Kana)",
        states={
            'invisible': Eval('kind') != 'bank',
            'required': Eval('kind') == 'bank',
            'readonly': _METHOD_DRAFT['readonly'],
            },
        help="As registered at the bank, in kana (stored as the Zengin "
        "half-width form).")
    mandate_date = fields.Date(
        "Mandate Date", states={
            'invisible': Eval('kind') != 'bank',
            'readonly': _METHOD_DRAFT['readonly'],
            },
        help="When the customer signed the direct-debit mandate "
        "(口座振替依頼書).")
    first_debit = fields.Function(
        fields.Boolean("First Debit"), 'get_first_debit')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_indexes.add(Index(t, (t.party, Index.Range()),
                (t.start_date, Index.Range())))
        cls._order = [('start_date', 'DESC'), ('id', 'DESC')]

    @classmethod
    def default_state(cls):
        return 'pending'

    @classmethod
    def default_start_date(cls):
        return Pool().get('ir.date').today()

    def get_rec_name(self, name):
        kinds = dict(METHOD_KINDS)
        detail = {
            'card': self.card_masked or '',
            'bank': self.account_masked or '',
            }.get(self.kind, '')
        return f'{kinds.get(self.kind, "")} {detail}'.strip()

    def get_account_masked(self, name):
        if self.kind == 'bank' and self.account_number:
            branch = self.bank_branch.code if self.bank_branch else ''
            return f'{branch} {core.mask_account(self.account_number)}'
        return None

    @classmethod
    def get_first_debit(cls, methods, name):
        Payment = Pool().get('account.payment')
        used = {p.payment_method.id for p in Payment.search([
                    ('payment_method', 'in', [m.id for m in methods]),
                    ('state', '=', 'succeeded')])}
        return {m.id: m.id not in used for m in methods}

    @classmethod
    def preprocess_values(cls, mode, values):
        values = super().preprocess_values(mode, values)
        if values.get('account_number'):
            try:
                values['account_number'] = core.bank_account_number(
                    values['account_number'])
            except PowerCoreError as error:
                raise PaymentError(gettext('power_billing.msg_account_number',
                        reason=error.reason)) from error
        if values.get('account_holder'):
            try:
                values['account_holder'] = zengin_kana(
                    values['account_holder'], 'account_holder', 30)
            except PowerCoreError as error:
                raise PaymentError(gettext('power_billing.msg_kana',
                        reason=error.reason)) from error
        return values

    @classmethod
    def validate_fields(cls, methods, field_names):
        super().validate_fields(methods, field_names)
        for method in methods:
            for value in (method.card_token, method.status_note):
                if value and core.find_card_number(value):
                    raise PaymentError(gettext(
                            'power_billing.msg_card_number_stored'))
            if method.kind == 'card' and method.card_masked:
                try:
                    core.check_masked_card(method.card_masked)
                except PowerCoreError as error:
                    raise PaymentError(gettext(
                            'power_billing.msg_card_masked',
                            reason=error.reason)) from error
            if method.card_expiry and not (len(method.card_expiry) == 6
                    and method.card_expiry.isdigit()
                    and 1 <= int(method.card_expiry[4:]) <= 12):
                raise PaymentError(gettext('power_billing.msg_card_expiry',
                        expiry=method.card_expiry))

    @classmethod
    def on_modification(cls, mode, methods, field_names=None):
        super().on_modification(mode, methods, field_names=field_names)
        if mode == 'create':
            cls._end_previous(methods)

    @classmethod
    def _end_previous(cls, methods):
        "A new method replaces the ones that started before it."
        to_end = []
        for method in methods:
            to_end += cls.search([
                    ('party', '=', method.party.id),
                    ('id', '!=', method.id),
                    ('start_date', '<=', method.start_date),
                    ('state', '!=', 'ended'),
                    ])
        if to_end:
            cls.write(to_end, {'state': 'ended'})

    @classmethod
    def for_parties(cls, party_ids, date):
        """{party id: the method that pays invoices dated date} (the latest
        started on or before it; replaced ones count for their period)."""
        result = {}
        for method in cls.search([
                    ('party', 'in', list(party_ids)),
                    ('start_date', '<=', date),
                    ], order=[('start_date', 'ASC'), ('id', 'ASC')]):
            result[method.party.id] = method
        return result

    def usable(self):
        "Debits and charges may be requested with it."
        return self.state in {'pending', 'valid'} or (
            self.state == 'ended' and not self.status_note)

    @classmethod
    def mark(cls, methods, state, note):
        cls.write(list(methods), {'state': state, 'status_note': note})


_APPLICATION_PAYMENT = {
    'invisible': ~Eval('kind').in_(['switch_in', 'move_in']),
    'readonly': ~Eval('state').in_(['draft', 'received']),
    }


def _application_payment(kind, required=False):
    states = dict(_APPLICATION_PAYMENT)
    states['invisible'] |= Eval('payment_kind') != kind
    if required:
        states['required'] = Eval('payment_kind') == kind
    return states


class Application(
        UnreadableFieldsHidden, PaymentDataLogged, metaclass=PoolMeta):
    """The payment method a new customer chose on the application; approval
    registers it (a card by the agent's token only)."""
    __name__ = 'power.application'
    payment_kind = fields.Selection(
        [(None, '')] + METHOD_KINDS, "Payment Method",
        states=_APPLICATION_PAYMENT)
    card_token = fields.Char(
        "Card Token", strip=True, states=_application_payment('card', True),
        help="The payment agent's token; the card number never reaches us.")
    card_masked = fields.Char(
        "Card Number", strip=True, states=_application_payment('card'))
    payment_bank = fields.Many2One(
        'bank', "Bank", ondelete='RESTRICT',
        states=_application_payment('bank', True))
    payment_branch = fields.Many2One(
        'power.bank.branch', "Branch", ondelete='RESTRICT',
        domain=[('bank', '=', Eval('payment_bank', -1))],
        states=_application_payment('bank', True))
    account_type = fields.Selection(
        [(None, '')] + sorted(ACCOUNT_TYPES.items()), "Account Type",
        states=_application_payment('bank', True))
    account_number = fields.Char(
        "Account Number", size=7, strip=True,
        states=_application_payment('bank', True))
    account_holder = fields.Char(
        "Account Holder (Kana)", states=_application_payment('bank', True))
    payment_method = fields.Many2One(
        'power.payment.method', "Registered Method", readonly=True,
        states={'invisible': ~Eval('payment_method')})

    @classmethod
    def copy(cls, applications, default=None):
        default = default.copy() if default is not None else {}
        default.setdefault('payment_method', None)
        return super().copy(applications, default=default)

    @classmethod
    def validate_fields(cls, applications, field_names):
        super().validate_fields(applications, field_names)
        for application in applications:
            for value in (application.card_token, application.card_masked,
                    application.note):
                if value and core.find_card_number(value):
                    raise PaymentError(gettext(
                            'power_billing.msg_card_number_stored'))

    def _approve_new_supply(self, kind):
        super()._approve_new_supply(kind)
        if self.payment_kind:
            self._register_payment_method()

    def _register_payment_method(self):
        pool = Pool()
        Method = pool.get('power.payment.method')
        Agent = pool.get('power.payment.agent')
        values = {
            'party': self.customer.id,
            'kind': self.payment_kind,
            'start_date': self.received_at.date(),
            }
        if self.payment_kind in {'card', 'bank'}:
            agents = Agent.search([('kind', '=', self.payment_kind)],
                order=[('sequence', 'ASC'), ('id', 'ASC')], limit=1)
            if not agents:
                raise PaymentError(gettext('power_billing.msg_no_agent',
                        kind=self.payment_kind))
            values['agent'] = agents[0].id
        if self.payment_kind == 'card':
            values.update(card_token=self.card_token,
                card_masked=self.card_masked)
        elif self.payment_kind == 'bank':
            values.update(bank=self.payment_bank.id,
                bank_branch=self.payment_branch.id,
                account_type=self.account_type,
                account_number=self.account_number,
                account_holder=self.account_holder,
                mandate_date=self.received_at.date())
        method, = Method.create([values])
        self.payment_method = method


class Party(metaclass=PoolMeta):
    __name__ = 'party.party'
    payment_methods = fields.One2Many(
        'power.payment.method', 'party', "Payment Methods")
    payment_method = fields.Function(fields.Many2One(
            'power.payment.method', "Payment Method"),
        'get_payment_method')
    payment_protected = fields.Boolean(
        "Protected from Termination",
        help="Never terminated automatically for non-payment (for example, "
        "medical equipment at home); dunning stops before the termination "
        "warning and a clerk decides.")
    protection_reason = fields.Char(
        "Protection Reason",
        states={
            'invisible': ~Eval('payment_protected'),
            'required': Bool(Eval('payment_protected')),
            })
    receipts = fields.One2Many(
        'power.payment.receipt', 'party', "Receipts", readonly=True)

    @classmethod
    def get_payment_method(cls, parties, name):
        Method = Pool().get('power.payment.method')
        today = Pool().get('ir.date').today()
        found = Method.for_parties([p.id for p in parties], today)
        return {p.id: found[p.id].id if p.id in found else None
            for p in parties}


class Journal(metaclass=PoolMeta):
    __name__ = 'account.payment.journal'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        for method in [('zengin', "Zengin Direct Debit (口座振替)"),
                ('card', "Card Payment Agent")]:
            if method not in cls.process_method.selection:
                cls.process_method.selection.append(method)


class PaymentGroup(metaclass=PoolMeta):
    __name__ = 'account.payment.group'
    agent = fields.Many2One(
        'power.payment.agent', "Agent", readonly=True, ondelete='RESTRICT')
    collection_date = fields.Date(
        "Collection Date", readonly=True,
        help="The debit date of a direct-debit file, the charge date of a "
        "card request.")
    results_received = fields.Boolean("Results Received", readonly=True)

    def process_zengin(self):
        "The Zengin file is written by the bank endpoint (power_edi)."

    def process_card(self):
        "The card request is written by the card endpoint (power_edi)."

    @classmethod
    def prepare(cls, agent, collection_date, date=None):
        """A collection group of agent for collection_date: a payment per
        posted invoice in its window (debited that day for a bank, billed
        by then for a card) whose customer pays with agent's kind, with
        what is left to pay; None when there is nothing."""
        pool = Pool()
        Payment = pool.get('account.payment')
        Invoice = pool.get('account.invoice')
        Method = pool.get('power.payment.method')
        Configuration = pool.get('power.configuration')
        settings = Configuration(1).payment_settings()
        if cls.search([('agent', '=', agent.id),
                    ('collection_date', '=', collection_date)]):
            return None
        calendar = pool.get('power.business.calendar').calendar()
        invoices = Invoice.search([
                ('type', '=', 'out'),
                ('state', '=', 'posted'),
                # numbered (a queued billing chunk's invoices are numbered
                # by a task of their own, moments later)
                ('number', '!=', None),
                ('company', '=', agent.payment_journal.company.id),
                ('payment_term_date', '>=', collection_date
                    - dt.timedelta(days=40)),
                ('payment_term_date', '<=', collection_date
                    + dt.timedelta(days=40)),
                ])
        if agent.kind == 'bank':
            invoices = [i for i in invoices if core.debit_date(
                    i.payment_term_date, settings['debit_days'], calendar)
                == collection_date]
        else:
            # cards are charged once billed, well before the due date
            invoices = [i for i in invoices
                if i.invoice_date <= collection_date]
        methods = {}
        by_date = defaultdict(list)
        for invoice in invoices:
            by_date[invoice.invoice_date].append(invoice)
        for date, dated in by_date.items():
            found = Method.for_parties({i.party.id for i in dated}, date)
            for invoice in dated:
                methods[invoice.id] = found.get(invoice.party.id)
        requested = {p.line.id for p in Payment.search([
                    ('line', 'in', [l.id for i in invoices
                            for l in i.lines_to_pay]),
                    ('state', '!=', 'failed'),
                    ])}
        payments = []
        for invoice in invoices:
            method = methods[invoice.id]
            if (not method or method.kind != agent.kind
                    or method.agent != agent or not method.usable()):
                continue
            lines = [l for l in invoice.lines_to_pay
                if not l.reconciliation and l.id not in requested]
            if not lines or invoice.amount_to_pay <= 0:
                continue
            payments.append(Payment(
                    company=invoice.company, journal=agent.payment_journal,
                    kind='receivable', party=invoice.party,
                    amount=invoice.amount_to_pay, line=lines[0],
                    date=collection_date, payment_method=method,
                    invoice=invoice, reference=invoice.number))
        if not payments:
            return None
        Payment.save(payments)
        Payment.submit(payments)
        def new_group():
            group = cls(company=agent.payment_journal.company,
                journal=agent.payment_journal, kind='receivable',
                agent=agent, collection_date=collection_date)
            group.save()
            return group
        return Payment.process(payments, new_group)

    def apply_results(self, results, source=None):
        """Apply the agent's results: (customer number, succeeded, code,
        reason) per customer of the group. Succeeded payments are booked
        as receipts; failed ones get their code and a payment slip."""
        pool = Pool()
        Payment = pool.get('account.payment')
        Receipt = pool.get('power.payment.receipt')
        Slip = pool.get('power.payment.slip')
        Method = pool.get('power.payment.method')
        if self.results_received:
            raise PaymentError(gettext('power_billing.msg_results_twice',
                    group=self.rec_name))
        by_customer = defaultdict(list)
        for payment in self.payments:
            if payment.state == 'processing':
                by_customer[payment.party.customer_number.lstrip('0')
                    or '0'].append(payment)
        succeeded, failed, receipts = [], [], []
        invalid = defaultdict(list)
        for customer, ok, code, reason in results:
            payments = by_customer.pop(customer.lstrip('0') or '0', None)
            if payments is None:
                raise PaymentError(gettext(
                        'power_billing.msg_result_unknown_customer',
                        customer=customer, group=self.rec_name))
            if ok:
                succeeded += payments
                receipts += [{'party': p.party, 'amount': int(p.amount),
                        'reference': p.invoice.id if p.invoice else None,
                        'payment': p} for p in payments]
            else:
                for payment in payments:
                    payment.failure_code = code
                    payment.failure_reason = reason
                    payment.follow_up = 'slip'
                failed += payments
                if self.agent.kind == 'card' or code in ACCOUNT_FAILURES:
                    for payment in payments:
                        invalid[f'{code} {reason}'.strip()].append(
                            payment.payment_method)
        if by_customer:
            missing = ', '.join(sorted(by_customer))
            raise PaymentError(gettext('power_billing.msg_results_missing',
                    group=self.rec_name, customers=missing))
        Payment.save(failed)
        if succeeded:
            Payment.succeed(succeeded)
        if failed:
            Payment.fail(failed)
            Slip.issue([p.invoice for p in failed if p.invoice],
                reissue=True, on=self.collection_date)
        for note, methods in invalid.items():
            Method.mark({m for m in methods if m}, 'invalid', note)
        valid = {p.payment_method for p in succeeded
            if p.payment_method and p.payment_method.state == 'pending'}
        if valid:
            Method.mark(valid, 'valid', None)
        self.results_received = True
        self.save()
        booked = []
        if receipts:
            booked = Receipt.book(self.agent.kind, self.agent,
                self.collection_date, receipts, source=source)
        return succeeded, failed, booked


class Payment(metaclass=PoolMeta):
    __name__ = 'account.payment'
    invoice = fields.Many2One(
        'account.invoice', "Invoice", readonly=True, ondelete='RESTRICT')
    payment_method = fields.Many2One(
        'power.payment.method', "Payment Method", readonly=True,
        ondelete='RESTRICT')
    failure_code = fields.Char("Failure Code", readonly=True)
    failure_reason = fields.Char("Failure Reason", readonly=True)
    follow_up = fields.Selection([
            (None, ''),
            ('slip', "Payment Slip Sent"),
            ('contacted', "Customer Contacted"),
            ('resolved', "Resolved"),
            ], "Follow-up",
        states={'invisible': Eval('state') != 'failed'},
        help="What was done after the debit or charge failed.")

    @classmethod
    def process_method_with_group(cls):
        return super().process_method_with_group() + ['zengin', 'card']

    @classmethod
    def zengin_failure(cls, code):
        return RESULTS.get(code, code)


class Slip(ServerReadonly, ModelSQL, ModelView):
    "Payment Slip"
    __name__ = 'power.payment.slip'
    _client_create = False
    invoice = fields.Many2One(
        'account.invoice', "Invoice", required=True, readonly=True,
        ondelete='RESTRICT')
    party = fields.Many2One(
        'party.party', "Customer", required=True, readonly=True,
        ondelete='RESTRICT')
    amount = fields.Integer("Amount", required=True, readonly=True)
    due_date = fields.Date("Pay By", required=True, readonly=True)
    reissue = fields.Integer("Reissue", required=True, readonly=True,
        help="0 for the first slip of the invoice (再発行区分).")
    barcode = fields.Char("Barcode Data", size=44, readonly=True,
        help="The 44 digits of the GS1-128 barcode (AI 91).")
    state = fields.Selection([
            ('issued', "Issued"),
            ('paid', "Paid"),
            ('void', "Void"),
            ], "State", required=True, readonly=True)
    paid_on = fields.Date("Paid On", readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_indexes.update({
                Index(t, (t.barcode, Index.Equality())),
                Index(t, (t.invoice, Index.Equality())),
                Index(t, (t.party, Index.Equality())),
                })
        cls._order = [('id', 'DESC')]

    @classmethod
    def default_state(cls):
        return 'issued'

    @staticmethod
    def key(invoice):
        "The barcode's 21-digit key: invoice (12) and customer (9) ids."
        return f'{invoice.id:012d}{invoice.party.id:09d}'

    @classmethod
    def issue(cls, invoices, reissue=False, days=14, on=None):
        """A slip for each invoice still to pay (the previous slips of a
        reissued one made void): due on the invoice's due date, or days
        from on (today) for a reissue after a failed debit."""
        pool = Pool()
        Agent = pool.get('power.payment.agent')
        agents = Agent.search([('kind', '=', 'konbini'),
                ('biller_code', '!=', None)], limit=1)
        if not agents:
            return []
        agent, = agents
        today = on or pool.get('ir.date').today()
        slips, void = [], []
        with Transaction().set_context(with_payment=False):
            invoices = pool.get('account.invoice').browse(invoices)
        earlier = defaultdict(list)
        for sub in grouped_slice(invoices, 1000):
            for slip in cls.search([('invoice', 'in', [int(i) for i in sub])],
                    order=[('id', 'ASC')]):
                earlier[slip.invoice.id].append(slip)
        for invoice in invoices:
            amount = int(invoice.amount_to_pay)
            if amount <= 0 or amount > konbini.MAX_AMOUNT:
                continue
            previous = earlier[invoice.id]
            if previous and not reissue:
                continue
            void += [s for s in previous if s.state == 'issued']
            due = (max(invoice.payment_term_date, today
                    + dt.timedelta(days=days)) if reissue
                else invoice.payment_term_date)
            count = min(len(previous), 9)
            barcode = konbini.Barcode(agent.biller_code, cls.key(invoice),
                due, amount, reissue=count).data()
            slips.append(cls(invoice=invoice, party=invoice.party,
                    amount=amount, due_date=due, reissue=count,
                    barcode=barcode))
        if void:
            cls.write(void, {'state': 'void'})
        cls.save(slips)
        return slips


class Receipt(ServerReadonly, Workflow, ModelSQL, ModelView):
    "Receipt"
    __name__ = 'power.payment.receipt'
    _client_create = False
    company = fields.Many2One(
        'company.company', "Company", required=True, readonly=True)
    date = fields.Date("Date", required=True, readonly=True,
        help="The day the money was paid.")
    channel = fields.Selection(CHANNELS, "Channel", required=True,
        readonly=True)
    agent = fields.Many2One(
        'power.payment.agent', "Agent", readonly=True, ondelete='RESTRICT')
    party = fields.Many2One(
        'party.party', "Customer", readonly=True, ondelete='RESTRICT',
        context={'company': Eval('company', -1)}, depends={'company'})
    customer_number = fields.Char("Customer Number (as received)",
        readonly=True)
    reference = fields.Char("Reference (as received)", readonly=True)
    amount = fields.Integer("Amount", required=True, readonly=True)
    allocated = fields.Integer("Allocated to Invoices", readonly=True)
    credit = fields.Integer("Kept as Credit", readonly=True,
        help="The part not allocated to an invoice: the customer's credit, "
        "or the suspense amount when the customer is unknown.")
    invoices = fields.Many2Many(
        'power.payment.receipt-account.invoice', 'receipt', 'invoice',
        "Invoices", readonly=True)
    outcome = fields.Selection([
            ('matched', "Matched"),
            ('partial', "Partial Payment"),
            ('overpaid', "Overpayment"),
            ('unallocated', "Not Allocated"),
            ('unmatched', "Unknown Customer"),
            ], "Outcome", required=True, readonly=True)
    state = fields.Selection([
            ('booked', "Booked"),
            ('review', "To Review"),
            ('done', "Done"),
            ], "State", required=True, readonly=True)
    statement = fields.Many2One(
        'account.statement', "Statement", readonly=True,
        ondelete='RESTRICT')
    payment = fields.Many2One(
        'account.payment', "Payment", readonly=True, ondelete='RESTRICT')
    source = fields.Char("Source", readonly=True,
        help="The file and line it came from.")
    partner_key = fields.Char("Partner's Key", readonly=True,
        help="How the partner identifies the payment (a konbini payment: "
        "barcode, day, time, chain and store); the same payment notified "
        "again in another file is not booked twice.")
    note = fields.Text("Note")
    resolution = fields.Selection([
            (None, ''),
            ('allocated', "Allocated"),
            ('refunded', "Refunded"),
            ('kept', "Kept as Credit"),
            ], "Resolution", readonly=True)
    resolved_by = fields.Many2One('res.user', "Resolved By", readonly=True)
    resolved_at = fields.DateTime("Resolved At", readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_indexes.update({
                Index(t, (t.state, Index.Equality()),
                    where=t.state == 'review'),
                Index(t, (t.party, Index.Range())),
                Index(t, (t.date, Index.Range())),
                Index(t, (t.payment, Index.Equality()),
                    where=t.payment != Null),
                })
        cls._sql_constraints += [
            ('partner_key_unique', Unique(t, t.channel, t.partner_key),
                'power_billing.msg_receipt_partner_key_unique'),
            ]
        cls._order = [('date', 'DESC'), ('id', 'DESC')]
        cls._transitions |= {('review', 'done')}
        cls._buttons.update({
                'keep': {'invisible': Eval('state') != 'review',
                    'depends': ['state']},
                'refund': {
                    'invisible': ((Eval('state') != 'review')
                        | ~Eval('credit', 0) | ~Eval('party')),
                    'depends': ['state', 'credit', 'party']},
                'allocate': {
                    'invisible': ((Eval('state') != 'review')
                        | ~Eval('credit', 0)),
                    'depends': ['state', 'credit']},
                })

    @classmethod
    def default_state(cls):
        return 'booked'

    def get_rec_name(self, name):
        party = self.party.rec_name if self.party else self.customer_number
        return f'{self.date} {party or ""} ¥{self.amount:,}'

    # -- booking -------------------------------------------------------
    @classmethod
    def open_bills(cls, parties):
        """{party id: [OpenBill]} of their posted customer invoices with
        money to pay."""
        Invoice = Pool().get('account.invoice')
        bills = defaultdict(list)
        if not parties:
            return bills
        with Transaction().set_context(with_payment=False):
            invoices = Invoice.search([
                        ('party', 'in', [p.id for p in parties]),
                        ('type', '=', 'out'),
                        ('state', '=', 'posted'),
                        ])
        for invoice in invoices:
            due = int(invoice.amount_to_pay)
            if due > 0:
                bills[invoice.party.id].append(core.OpenBill(
                        invoice.id, due, invoice.payment_term_date,
                        invoice.number or ''))
        return bills

    @classmethod
    def book(cls, channel, agent, date, items, source=None):
        """Book receipts of a channel on date: items are dicts with party
        (or customer_number), amount (yen), reference (invoice id or
        number; optional), payment, source, partner_key (optional). One statement, validated and
        posted; the receipts returned."""
        pool = Pool()
        Party = pool.get('party.party')
        Statement = pool.get('account.statement')
        Line = pool.get('account.statement.line')
        Invoice = pool.get('account.invoice')
        Company = pool.get('company.company')
        company = Company(Transaction().context['company'])
        accounts = company_accounts(company)
        numbers = {i['customer_number'] for i in items
            if not i.get('party') and i.get('customer_number')}
        parties = {p.customer_number: p for p in Party.search([
                    ('customer_number', 'in', list(numbers))])} if numbers \
            else {}
        for item in items:
            if not item.get('party'):
                item['party'] = parties.get(item.get('customer_number'))
        bills = cls.open_bills({i['party'] for i in items if i['party']})
        receipts, lines, interest, touched = [], [], [], set()
        for item in items:
            party = item['party']
            party_bills = bills.get(party.id, []) if party else []
            reference = item.get('reference')
            if isinstance(reference, str) and reference.isdigit():
                reference = int(reference)
            match = core.match_receipt(item['amount'], party_bills,
                reference=reference, known_customer=bool(party))
            left = {key: amount for key, amount in match.allocations}
            if party:
                bills[party.id] = [b if b.key not in left
                    else core.OpenBill(b.key, b.due - left[b.key],
                        b.due_date, b.reference)
                    for b in party_bills]
            due_dates = {b.key: b.due_date for b in party_bills}
            receipt = cls(company=company, date=date, channel=channel,
                agent=agent, party=party,
                customer_number=(item.get('customer_number')
                    or (party.customer_number if party else None)),
                reference=(str(item['reference'])
                    if item.get('reference') is not None else None),
                amount=item['amount'], allocated=match.allocated,
                credit=match.surplus, outcome=match.outcome,
                state='review' if match.needs_review else 'booked',
                payment=item.get('payment'),
                partner_key=item.get('partner_key'),
                source=item.get('source') or source,
                invoices=[k for k, _ in match.allocations])
            receipts.append(receipt)
            for key, amount in match.allocations:
                touched.add(key)
                lines.append(Line(date=date, amount=Decimal(amount),
                        party=party, account=Invoice(key).account,
                        related_to=Invoice(key),
                        description=receipt.source))
                interest.append((Invoice(key), amount, due_dates[key]))
            if match.surplus:
                if party:
                    account = party.account_receivable_used
                else:
                    account = accounts[SUSPENSE_ACCOUNT]
                lines.append(Line(date=date, amount=Decimal(match.surplus),
                        party=party, account=account,
                        description=receipt.source))
        journal = agent.statement_journal if agent else None
        if not journal:
            raise PaymentError(gettext('power_billing.msg_no_statement_journal',
                    agent=agent.rec_name if agent else channel))
        total = sum(i['amount'] for i in items)
        statement = Statement(company=company, journal=journal, date=date,
            name=source or f'{channel} {date}', lines=lines,
            total_amount=Decimal(total), start_balance=Decimal(0),
            end_balance=Decimal(total), number_of_lines=len(lines))
        statement.save()
        Statement.validate_statement([statement])
        Statement.post([statement])
        Invoice.process(Invoice.browse(list(touched)))
        for receipt in receipts:
            receipt.statement = statement
        cls.save(receipts)
        cls.charge_interest(interest, date)
        credited = {r.party for r in receipts if r.party and r.credit}
        cls.apply_credits(credited, date)
        Dunning = pool.get('account.dunning')
        Dunning.stop_terminations({r.party for r in receipts if r.party})
        return receipts

    @classmethod
    def charge_interest(cls, paid, date):
        """Late interest on (invoice, yen paid, due date) paid on date, as
        an untaxed adjustment of the contract's next bill."""
        pool = Pool()
        Adjustment = pool.get('power.billing.adjustment')
        Determinant = pool.get('power.billing.determinant')
        settings = pool.get('power.configuration')(1).payment_settings()
        adjustments = []
        for invoice, amount, due_date in paid:
            total = int(invoice.total_amount)
            base = amount
            if settings['interest_tax_excluded'] and total:
                base = amount * int(invoice.untaxed_amount) // total
            yen = core.late_interest(base, due_date, date,
                settings['interest_rate'], settings['interest_grace_days'])
            if not yen:
                continue
            determinants = Determinant.search([('invoice', '=', invoice.id)],
                limit=1)
            if not determinants:
                continue
            determinant, = determinants
            days = core.overdue_days(due_date, date)
            adjustments.append(Adjustment(company=invoice.company,
                    contract=determinant.contract, customer=invoice.party,
                    amount=yen, reason='late_interest', taxable=False,
                    description=f'延滞利息（{invoice.number} {days}日分）',
                    note=f'{amount} yen paid {days} days after {due_date}',
                    source=determinant))
        Adjustment.save(adjustments)
        return adjustments

    @classmethod
    def apply_credits(cls, parties, date=None):
        """Apply each party's open credits (receivable credit lines not
        reconciled nor paying an invoice) to its open invoices, oldest
        first, by a transfer move; what is left stays a credit."""
        pool = Pool()
        MoveLine = pool.get('account.move.line')
        Invoice = pool.get('account.invoice')
        parties = [p for p in parties if p]
        if not parties:
            return
        date = date or pool.get('ir.date').today()
        bills = cls.open_bills(parties)
        for party in parties:
            if not bills.get(party.id):
                continue
            credits = [l for l in MoveLine.search([
                        ('party', '=', party.id),
                        ('account', '=', party.account_receivable_used.id),
                        ('reconciliation', '=', None),
                        ('credit', '>', 0),
                        ('move.state', '=', 'posted'),
                        ])
                if not l.invoice_payments]
            for line in credits:
                allocations, left = core.apply_credit(int(line.credit),
                    bills[party.id])
                if not allocations:
                    break
                cls._transfer(line, [(Invoice(k), a) for k, a in allocations],
                    left, date)
                paid = dict(allocations)
                bills[party.id] = [b if b.key not in paid
                    else core.OpenBill(b.key, b.due - paid[b.key],
                        b.due_date, b.reference)
                    for b in bills[party.id] if b.due > paid.get(b.key, 0)]

    @classmethod
    def _transfer(cls, source, allocations, left, date, description=None,
            party=None):
        """A posted move taking source (a credit line, or a suspense line)
        to invoices [(invoice, yen)], the rest left on the customer's
        receivable: source reconciled, each invoice paid or part-paid."""
        pool = Pool()
        Move = pool.get('account.move')
        MoveLine = pool.get('account.move.line')
        Period = pool.get('account.period')
        Journal = pool.get('account.journal')
        company = source.move.company
        journal, = Journal.search([('type', '=', 'general')], limit=1)
        amount = int(source.credit)
        total = sum(a for _, a in allocations) + left
        assert total == amount, (total, amount)
        first = allocations[0][0] if allocations else None
        party = party or source.party or (first.party if first else None)
        lines = [MoveLine(account=source.account, party=source.party,
                debit=Decimal(amount), credit=Decimal(0))]
        for invoice, yen in allocations:
            lines.append(MoveLine(account=invoice.account,
                    party=invoice.party, debit=Decimal(0),
                    credit=Decimal(yen)))
        if left:
            lines.append(MoveLine(account=party.account_receivable_used,
                    party=party, debit=Decimal(0), credit=Decimal(left)))
        move = Move(company=company, journal=journal, date=date,
            period=Period.find(company, date=date), lines=lines,
            description=description or 'Credit applied (充当)',
            origin=source.move.origin if source.move.origin else None)
        move.save()
        Move.post([move])
        saved = list(move.lines)
        debit, = [l for l in saved if l.debit]
        saved.remove(debit)
        if source.account.reconcile:
            MoveLine.reconcile([source, debit])
        for invoice, yen in allocations:
            line = next(l for l in saved if l.credit == yen
                and l.account == invoice.account and l.party == invoice.party)
            saved.remove(line)
            cls._pay(invoice, line)
        return move

    @classmethod
    def _pay(cls, invoice, line):
        "Add line as a payment of invoice, reconciling it once paid."
        pool = Pool()
        Invoice = pool.get('account.invoice')
        MoveLine = pool.get('account.move.line')
        invoice = Invoice(invoice.id)
        lines, remainder = invoice.get_reconcile_lines_for_amount(
            line.credit - line.debit, invoice.currency)
        Invoice.add_payment_lines({invoice: [line.id]})
        if not remainder:
            MoveLine.reconcile(lines + [line])
            Invoice.process([invoice])

    # -- the clerk's work queue ----------------------------------------
    @classmethod
    @ModelView.button
    @Workflow.transition('done')
    def keep(cls, receipts):
        "Keep the surplus as the customer's credit (for the next invoice)."
        cls._resolve(receipts, 'kept')

    @classmethod
    @Workflow.transition('done')
    def done(cls, receipts):
        pass

    @classmethod
    @ModelView.button
    @Workflow.transition('done')
    def refund(cls, receipts):
        "Refund the surplus: it becomes payable to the customer."
        pool = Pool()
        Move = pool.get('account.move')
        MoveLine = pool.get('account.move.line')
        Period = pool.get('account.period')
        Journal = pool.get('account.journal')
        for receipt in receipts:
            line = receipt._credit_line()
            if line is None:
                raise PaymentError(gettext('power_billing.msg_no_credit_left',
                        receipt=receipt.rec_name))
            accounts = company_accounts(receipt.company)
            journal, = Journal.search([('type', '=', 'general')], limit=1)
            today = pool.get('ir.date').today()
            move = Move(company=receipt.company, journal=journal, date=today,
                period=Period.find(receipt.company, date=today),
                description='Refund (返金)', lines=[
                    MoveLine(account=line.account, party=line.party,
                        debit=line.credit, credit=Decimal(0)),
                    MoveLine(account=accounts[REFUND_ACCOUNT],
                        party=line.party, debit=Decimal(0),
                        credit=line.credit)])
            move.save()
            Move.post([move])
            MoveLine.reconcile([line, move.lines[0]])
        cls._resolve(receipts, 'refunded')

    @classmethod
    @ModelView.button_action('power_billing.wizard_receipt_allocate')
    def allocate(cls, receipts):
        pass

    def _credit_line(self):
        "The still open credit line this receipt left, if any."
        if not self.statement:
            return None
        for line in self.statement.lines:
            if (line.party == self.party and not line.related_to
                    and line.amount == self.credit and line.move):
                for move_line in line.move.lines:
                    if (move_line.party == self.party
                            and move_line.credit == self.credit
                            and not move_line.reconciliation
                            and not move_line.invoice_payments):
                        return move_line
        return None

    @classmethod
    def _resolve(cls, receipts, resolution):
        cls.write(receipts, {'resolution': resolution,
                'resolved_by': Transaction().user, 'resolved_at': now()})


class InvoicePaymentLine(metaclass=PoolMeta):
    __name__ = 'account.invoice-account.move.line'

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        # an invoice's payment lines are read by invoice (amount to pay,
        # the open receivable): without it each read scans the table
        cls._sql_indexes.add(Index(t, (t.invoice, Index.Equality())))


class ReceiptInvoice(ModelSQL):
    "Receipt - Invoice"
    __name__ = 'power.payment.receipt-account.invoice'
    receipt = fields.Many2One('power.payment.receipt', "Receipt",
        required=True, ondelete='CASCADE')
    invoice = fields.Many2One('account.invoice', "Invoice", required=True,
        ondelete='RESTRICT')


class AllocateStart(ModelView):
    "Allocate a Receipt"
    __name__ = 'power.payment.receipt.allocate.start'
    receipt = fields.Many2One('power.payment.receipt', "Receipt",
        readonly=True)
    party = fields.Many2One('party.party', "Customer", required=True)
    invoice = fields.Many2One('account.invoice', "Invoice",
        domain=[('party', '=', Eval('party', -1)), ('type', '=', 'out'),
            ('state', '=', 'posted')],
        help="Empty: the customer's open invoices, oldest first.")


class Allocate(Wizard):
    "Allocate a Receipt"
    __name__ = 'power.payment.receipt.allocate'
    start = StateView('power.payment.receipt.allocate.start',
        'power_billing.receipt_allocate_start_view_form', [
            Button("Cancel", 'end', 'tryton-cancel'),
            Button("Allocate", 'allocate', 'tryton-ok', default=True),
            ])
    allocate = StateTransition()

    def default_start(self, fields):
        receipt = self.record
        return {
            'receipt': receipt.id,
            'party': receipt.party.id if receipt.party else None,
            }

    def transition_allocate(self):
        pool = Pool()
        Receipt = pool.get('power.payment.receipt')
        receipt = self.record
        if receipt.state != 'review':
            return 'end'
        line = receipt._credit_line()
        if line is None:
            raise PaymentError(gettext('power_billing.msg_no_credit_left',
                    receipt=receipt.rec_name))
        party = self.start.party
        bills = Receipt.open_bills([party]).get(party.id, [])
        if self.start.invoice:
            bills = [b for b in bills if b.key == self.start.invoice.id]
        allocations, left = core.apply_credit(int(line.credit), bills)
        Invoice = pool.get('account.invoice')
        Receipt._transfer(line, [(Invoice(k), a) for k, a in allocations],
            left, receipt.date, party=party,
            description=f'Receipt allocated (消し込み) {receipt.rec_name}')
        receipt.party = party
        receipt.invoices = list(receipt.invoices) + [
            Invoice(k) for k, _ in allocations]
        receipt.allocated = (receipt.allocated or 0) + sum(
            a for _, a in allocations)
        receipt.credit = left
        receipt.save()
        Receipt.done([receipt])
        Receipt._resolve([receipt], 'allocated')
        return 'end'


class BatchRun(metaclass=PoolMeta):
    __name__ = 'power.batch.run'

    @classmethod
    def bill_chunk(cls, runs, contract_ids, date):
        """Then: payment slips for the new invoices of customers paying by
        slip, and open credits applied to the new invoices."""
        pool = Pool()
        Determinant = pool.get('power.billing.determinant')
        Method = pool.get('power.payment.method')
        MoveLine = pool.get('account.move.line')
        Party = pool.get('party.party')
        Receipt = pool.get('power.payment.receipt')
        Slip = pool.get('power.payment.slip')
        Invoice = pool.get('account.invoice')
        super().bill_chunk(runs, contract_ids, date)
        # the posted invoices of the chunk, in SQL (the ORM would read
        # every field of 200 invoices to learn their state and party)
        determinant, invoice = Determinant.__table__(), Invoice.__table__()
        cursor = Transaction().connection.cursor()
        cursor.execute(*determinant.join(invoice,
                condition=invoice.id == determinant.invoice).select(
                invoice.id, invoice.party,
                where=determinant.contract.in_([int(c) for c in contract_ids])
                & (determinant.run == runs[0].id)
                & (invoice.state == 'posted')))
        parties = dict(cursor)
        if not parties:
            return
        party_ids = set(parties.values())
        methods = Method.search([
                ('party', 'in', list(party_ids)),
                ('kind', '=', 'konbini'),
                ('state', '!=', 'ended'),
                ('start_date', '<=', date),
                ])
        by_slip = {m.party.id for m in methods}
        invalid = {m.party.id for m in Method.search([
                    ('party', 'in', list(party_ids)),
                    ('state', '=', 'invalid')])}
        Slip.issue([i for i, p in sorted(parties.items())
                if p in by_slip or p in invalid])
        credited = {l.party.id for l in MoveLine.search([
                    ('party', 'in', list(party_ids)),
                    ('account.type.receivable', '=', True),
                    ('reconciliation', '=', None),
                    ('credit', '>', 0),
                    ('move.state', '=', 'posted'),
                    ]) if not l.invoice_payments}
        if credited:
            Receipt.apply_credits(Party.browse(list(credited)), date)


def setup_collections(company):
    """The collection set-up of a retailer, created once: a statement
    journal, a payment agent of each kind (bank direct debit, card,
    konbini) with its statement and payment journals, the Japanese dunning
    procedure as the default, and the non-payment cancellation reason.
    Returns {kind: agent}. The agents' codes are placeholders to replace
    with the contracted ones."""
    pool = Pool()
    Agent = pool.get('power.payment.agent')
    Journal = pool.get('account.journal')
    StatementJournal = pool.get('account.statement.journal')
    PaymentJournal = pool.get('account.payment.journal')
    Bank = pool.get('bank')
    Branch = pool.get('power.bank.branch')
    Party = pool.get('party.party')
    Procedure = pool.get('account.dunning.procedure')
    AccountConfiguration = pool.get('account.configuration')
    Configuration = pool.get('power.configuration')
    Reason = pool.get('power.cancellation.reason')
    accounts = company_accounts(company)
    journals = Journal.search([('code', '=', 'COL')], limit=1)
    if journals:
        journal, = journals
    else:
        journal = Journal(name="Collections", code='COL', type='statement')
        journal.save()
    banks = Bank.search([('zengin_code', '=', '0999')], limit=1)
    if banks:
        bank, = banks
    else:
        bank = Bank(party=Party(name="サンプル銀行"), zengin_code='0999',
            name_kana='ｻﾝﾌﾟﾙｷﾞﾝｺｳ')
        bank.party.save()
        bank.save()
    branches = Branch.search([('bank', '=', bank.id), ('code', '=', '001')])
    if branches:
        branch, = branches
    else:
        branch = Branch(bank=bank, code='001', name="本店",
            name_kana='ﾎﾝﾃﾝ')
        branch.save()
    settings = {
        'bank': dict(code='BANK', name="口座振替（サンプル銀行）",
            biller_code='1234567890', method='zengin'),
        'card': dict(code='CARD', name="クレジットカード決済代行",
            biller_code='M0001', method='card'),
        'konbini': dict(code='KONBINI', name="コンビニ収納代行",
            biller_code='912345', method=None),
        }
    agents = {}
    for kind, values in settings.items():
        found = Agent.search([('kind', '=', kind), ('code', '=',
                    values['code'])], limit=1)
        if found:
            agents[kind] = found[0]
            continue
        statement_journal = StatementJournal(name=values['name'],
            journal=journal, currency=company.currency, company=company,
            validation='amount', account=accounts['1120'])
        statement_journal.save()
        payment_journal = None
        if values['method']:
            payment_journal = PaymentJournal(name=values['name'],
                process_method=values['method'], currency=company.currency,
                company=company)
            payment_journal.save()
        agent = Agent(kind=kind, code=values['code'], name=values['name'],
            biller_code=values['biller_code'],
            biller_name_kana='ﾊﾟﾜｰﾃﾞﾝﾘｮｸ', statement_journal=statement_journal,
            payment_journal=payment_journal,
            bank=bank if kind == 'bank' else None,
            bank_branch=branch if kind == 'bank' else None)
        agent.save()
        agents[kind] = agent
    procedure = Procedure.japanese_default()
    account_configuration = AccountConfiguration(1)
    if not account_configuration.default_dunning_procedure:
        account_configuration.default_dunning_procedure = procedure
        account_configuration.save()
        # customers created before hold an empty procedure of their own
        PartyProcedure = pool.get('party.party.dunning_procedure')
        PartyProcedure.write(PartyProcedure.search([
                    ('dunning_procedure', '=', None)]),
            {'dunning_procedure': procedure.id})
    configuration = Configuration(1)
    if not configuration.non_payment_reason:
        reasons = Reason.search([('code', '=', 'NONPAY')], limit=1)
        if reasons:
            configuration.non_payment_reason = reasons[0]
            configuration.save()
    return agents
