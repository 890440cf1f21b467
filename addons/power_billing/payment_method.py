# This file is part of the power retailer CIS.  The COPYRIGHT file at the
# top level of this repository contains the full copyright notices and license terms.
"""A customer's payment method with history (card token and mask, Zengin
direct debit with its mandate, konbini slip) and the payment part of an
application. A new method applies to the invoices dated from its start."""

from power_core import payments as core
from power_core.errors import PowerCoreError
from power_core.formats.zengin import ACCOUNT_TYPES, zengin_kana

from trytond.i18n import gettext
from trytond.model import Index, ModelSQL, ModelView, fields
from trytond.modules.power_cis.common import UnreadableFieldsHidden
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval
from trytond.transaction import Transaction

from .exceptions import PaymentError

METHOD_KINDS = [
    ('card', "Credit Card"),
    ('bank', "Bank Direct Debit (口座振替)"),
    ('konbini', "Payment Slip (払込票)"),
    ]
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
    def __setup__(cls):
        super().__setup__()
        if 'payment_method' not in cls._cleared_on_copy:
            cls._cleared_on_copy += ('payment_method',)

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
