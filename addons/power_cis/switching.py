# This file is part of the power retailer CIS.  The COPYRIGHT file at the
# top level of this repository contains the full copyright notices and license terms.
"""Requests to the switching hub (スイッチング支援システム, OCCTO).

One model for every kind of request, as an explicit state machine:
draft → sent → accepted | rejected → completed, with cancelled. Sending is
done by the integration module (power_edi); here the requests, their
deadlines and the effect of their outcome on contracts and supply points."""
import datetime as dt

from trytond.i18n import gettext
from trytond.model import Index, ModelSQL, ModelView, fields
from trytond.pool import Pool
from trytond.pyson import Eval, If

from .common import (
    ClearedOnCopy, CompanyWorkflow, NumberedMixin, now, rec_name_domain,
    state_buttons, transition)
from .exceptions import SwitchingError

KINDS = [
    ('equipment_inquiry', "Equipment Inquiry (設備情報照会)"),
    ('switch_in', "Switch-in (スイッチング開始)"),
    ('reconnection', "Reconnection / Move-in (再点)"),
    ('termination', "Termination (廃止)"),
    ('removal', "Termination with Removal (廃止・撤去)"),
    ('ampere_change', "Ampere Change (アンペア変更)"),
    ('info_change', "Customer Information Change (需要者情報変更)"),
    ('relay', "Switching-Termination Relay (廃止取次)"),
    ]
# Low-voltage service ids of the switching hub (docs/domain.md §3.2).
SERVICE_IDS = {
    'equipment_inquiry': 'IF_10110',
    'reconnection': 'IF_10410',
    'termination': 'IF_10510',
    'removal': 'IF_10510',
    'switch_in': 'IF_10610',
    'info_change': 'IF_10810',
    'ampere_change': 'IF_10910',
    'relay': 'IS_20110',
    }
# Business days the hub has to answer before a request is overdue.
ANSWER_DAYS = {
    'equipment_inquiry': 1,
    }
DEFAULT_ANSWER_DAYS = 3
STATES = [
    ('draft', "Draft"),
    ('sent', "Sent"),
    ('accepted', "Accepted"),
    ('rejected', "Rejected"),
    ('completed', "Completed"),
    ('cancelled', "Cancelled"),
    ]
_DRAFT = {'readonly': Eval('state') != 'draft'}


class Request(
        ClearedOnCopy, NumberedMixin, CompanyWorkflow, ModelSQL, ModelView):
    "Switching Request"
    __name__ = 'power.switching.request'
    _open_states = ('draft', 'sent', 'accepted')
    _cleared_on_copy = (
        'number', 'sent_at', 'deadline', 'answered_at', 'effective_date',
        'hub_reference', 'rejection_reason', 'rejection_message',
        'application')
    _rec_name = 'number'
    _number_sequence = 'switching_sequence'

    number = fields.Char("Number", readonly=True)
    company = fields.Many2One(
        'company.company', "Company", required=True, states=_DRAFT)
    kind = fields.Selection(KINDS, "Kind", required=True, states=_DRAFT)
    service_id = fields.Function(
        fields.Char("Service ID", help="The switching hub's service."),
        'on_change_with_service_id')
    supply_point = fields.Many2One(
        'power.supply_point', "Supply Point", required=True,
        ondelete='RESTRICT', states=_DRAFT)
    contract = fields.Many2One(
        'power.contract', "Contract", ondelete='RESTRICT', states=_DRAFT,
        domain=[If(Eval('supply_point'),
                ('supply_point', '=', Eval('supply_point', -1)), ())],
        help="The contract the outcome applies to.")
    application = fields.Many2One(
        'power.application', "Application", readonly=True,
        ondelete='SET NULL')
    requested_date = fields.Date(
        "Requested Date", states={
            'readonly': Eval('state') != 'draft',
            'required': Eval('kind') != 'equipment_inquiry',
            },
        help="The date the change should take effect (a reading day).")
    meter_work = fields.Boolean(
        "Meter Work", states=_DRAFT,
        help="The change needs a meter replacement, which lengthens the "
        "lead time.")
    capacity = fields.Numeric(
        "New Capacity", digits=(16, 1),
        states={
            'invisible': Eval('kind') != 'ampere_change',
            'required': Eval('kind') == 'ampere_change',
            'readonly': Eval('state') != 'draft',
            })
    current_retailer = fields.Char(
        "Current Retailer", states={
            'invisible': ~Eval('kind').in_(['switch_in', 'relay']),
            'required': Eval('kind') == 'relay',
            'readonly': Eval('state') != 'draft',
            })
    current_customer_number = fields.Char(
        "Customer Number at Current Retailer", states={
            'invisible': ~Eval('kind').in_(['switch_in', 'relay']),
            'required': Eval('kind') == 'relay',
            'readonly': Eval('state') != 'draft',
            },
        help="Needed by the current retailer to accept the switch (廃止取次).")
    sent_at = fields.DateTime("Sent At", readonly=True)
    deadline = fields.Date(
        "Answer Deadline", readonly=True,
        help="The hub should have answered by this business day.")
    answered_at = fields.DateTime("Answered At", readonly=True)
    effective_date = fields.Date(
        "Effective Date", states={
            'readonly': ~Eval('state').in_(['sent', 'accepted']),
            },
        help="The date the hub confirmed.")
    hub_reference = fields.Char(
        "Hub Reference", readonly=True,
        help="The switching hub's number for this request.")
    rejection_reason = fields.Many2One(
        'power.switching.rejection.reason', "Rejection Reason",
        ondelete='RESTRICT', states={
            'invisible': Eval('state') != 'rejected',
            'required': Eval('state') == 'rejected',
            })
    rejection_message = fields.Text(
        "Rejection Message", readonly=True,
        states={'invisible': Eval('state') != 'rejected'})
    result_meter_number = fields.Char(
        "Meter Number", readonly=True,
        states={'invisible': Eval('kind') != 'equipment_inquiry'})
    result_smart_meter = fields.Boolean(
        "Smart Meter", readonly=True,
        states={'invisible': Eval('kind') != 'equipment_inquiry'})
    result_next_reading_date = fields.Date(
        "Next Reading Date", readonly=True,
        states={'invisible': Eval('kind') != 'equipment_inquiry'})
    result_current_retailer = fields.Char(
        "Current Retailer (reported)", readonly=True,
        states={'invisible': Eval('kind') != 'equipment_inquiry'})
    overdue = fields.Function(
        fields.Boolean("Overdue",
            help="Sent and not answered by the deadline, or accepted and "
            "not completed after its effective date."),
        'get_overdue', searcher='search_overdue')
    state = fields.Selection(STATES, "State", readonly=True, required=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('id', 'DESC')]
        t = cls.__table__()
        cls._sql_indexes.update({
                Index(t, (t.supply_point, Index.Equality())),
                Index(t, (t.contract, Index.Equality())),
                })
        cls._transitions |= {
            ('draft', 'sent'),
            ('sent', 'accepted'),
            ('sent', 'rejected'),
            ('sent', 'completed'),
            ('accepted', 'completed'),
            ('accepted', 'rejected'),
            ('rejected', 'draft'),
            ('draft', 'cancelled'),
            ('sent', 'cancelled'),
            ('accepted', 'cancelled'),
            }
        cls._buttons.update(state_buttons({
                    'send': ['draft'],
                    'accept': ['sent'],
                    'reject': ['sent', 'accepted'],
                    'complete': ['sent', 'accepted'],
                    'cancel': ['draft', 'sent', 'accepted'],
                    'draft': ['rejected'],
                    }, back={'draft'}))

    @classmethod
    def default_meter_work(cls):
        return False

    @fields.depends('kind')
    def on_change_with_service_id(self, name=None):
        return SERVICE_IDS.get(self.kind)

    @fields.depends('supply_point', 'contract')
    def on_change_supply_point(self):
        if self.supply_point and not self.contract:
            live = [c for c in self.supply_point.contracts
                if c.state in {'applying', 'active', 'terminating'}]
            if len(live) == 1:
                self.contract, = live

    def get_overdue(self, name):
        today = dt.date.today()
        if self.state == 'sent':
            return bool(self.deadline and today > self.deadline)
        if self.state == 'accepted':
            return bool(self.effective_date and today > self.effective_date)
        return False

    @classmethod
    def search_overdue(cls, name, clause):
        _, operator, value = clause
        today = dt.date.today()
        if (operator == '=') == bool(value):
            return ['OR',
                [('state', '=', 'sent'), ('deadline', '<', today)],
                [('state', '=', 'accepted'), ('effective_date', '<', today)],
                ]
        return ['OR',
            ('state', 'not in', ['sent', 'accepted']),
            [('state', '=', 'sent'), ['OR',
                    ('deadline', '=', None), ('deadline', '>=', today)]],
            [('state', '=', 'accepted'), ['OR',
                    ('effective_date', '=', None),
                    ('effective_date', '>=', today)]],
            ]

    @classmethod
    def search_rec_name(cls, name, clause):
        return rec_name_domain(
            clause, 'number', 'supply_point.rec_name', 'hub_reference')

    @classmethod
    def validate_fields(cls, requests, field_names):
        super().validate_fields(requests, field_names)
        for request in requests:
            if (request.kind not in {'equipment_inquiry', 'switch_in',
                        'reconnection'} and not request.contract):
                raise SwitchingError(gettext(
                        'power_cis.msg_switching_contract_required',
                        request=request.rec_name))

    def compute_requested_date(self, on=None):
        """The reading day this request can take effect on when sent on
        date `on` (today by default)."""
        pool = Pool()
        Calendar = pool.get('power.business.calendar')
        from power_core.calendar.switching import earliest_date
        on = on or dt.date.today()
        point = self.supply_point
        earliest = earliest_date(on, Calendar.calendar(),
            voltage='low' if point.is_low_voltage else 'high',
            meter_work=self.meter_work)
        return point.next_reading_date_from(earliest)

    @classmethod
    @ModelView.button
    @transition('sent')
    def send(cls, requests):
        """Mark as sent (the integration module transmits it) and set the
        answer deadline."""
        pool = Pool()
        Calendar = pool.get('power.business.calendar')
        calendar = Calendar.calendar()
        moment = now()
        for request in requests:
            request.sent_at = moment
            request.deadline = calendar.add_business_days(moment.date(),
                ANSWER_DAYS.get(request.kind, DEFAULT_ANSWER_DAYS))
        cls.save(requests)

    @classmethod
    @ModelView.button
    @transition('accepted')
    def accept(cls, requests):
        moment = now()
        for request in requests:
            request.answered_at = moment
            if not request.effective_date:
                request.effective_date = request.requested_date
        cls.save(requests)

    @classmethod
    @ModelView.button
    @transition('rejected')
    def reject(cls, requests):
        for request in requests:
            if not request.rejection_reason:
                raise SwitchingError(gettext(
                        'power_cis.msg_switching_rejection_reason',
                        request=request.rec_name))
            request.answered_at = now()
        cls.save(requests)

    @classmethod
    @ModelView.button
    @transition('completed')
    def complete(cls, requests):
        "Apply the outcome to the contract or the supply point."
        for request in requests:
            if not request.answered_at:
                request.answered_at = now()
            if not request.effective_date:
                request.effective_date = request.requested_date
            getattr(request, f'_complete_{request.kind}')()
        cls.save(requests)

    @classmethod
    @ModelView.button
    @transition('cancelled')
    def cancel(cls, requests):
        pass

    @classmethod
    @ModelView.button
    @transition('draft')
    def draft(cls, requests):
        cls.write(requests, {
                'sent_at': None, 'deadline': None, 'answered_at': None})

    def _complete_equipment_inquiry(self):
        point = self.supply_point
        if self.result_meter_number:
            point.meter_number = self.result_meter_number
        point.smart_meter = bool(self.result_smart_meter)
        point.next_reading_date = self.result_next_reading_date
        point.current_retailer = self.result_current_retailer
        point.equipment_checked = self.answered_at
        point.save()

    def _complete_switch_in(self):
        "The supply starts on the effective date."
        pool = Pool()
        Contract = pool.get('power.contract')
        Version = pool.get('power.contract.version')
        contract = self.contract
        if not contract:
            return
        if contract.start_date != self.effective_date:
            first = min(contract.versions, key=lambda v: v.start_date)
            Version.write([first], {'start_date': self.effective_date})
            Contract.write([contract], {'start_date': self.effective_date})
        if contract.state in {'draft', 'applying'}:
            Contract.activate([contract])

    _complete_reconnection = _complete_switch_in

    def _complete_termination(self):
        "The supply ends on the effective date."
        pool = Pool()
        Contract = pool.get('power.contract')
        contract = self.contract
        Contract.write([contract], {'end_date': self.effective_date})
        Contract.terminate([contract])

    _complete_removal = _complete_termination

    def _complete_relay(self):
        """The current retailer registered the termination of its supply
        on the effective date (廃止取次): nothing changes on our side
        until our own supply starts."""

    def _complete_ampere_change(self):
        "The new capacity applies from the effective date."
        self.contract.change(
            self.effective_date, 'ampere_change', capacity=self.capacity,
            application=self.application.id if self.application else None)

    def _complete_info_change(self):
        "The new version was made when the application was approved."
