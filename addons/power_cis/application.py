# This file is part of the power retailer CIS.  The COPYRIGHT file at the
# top level of this repository contains the full copyright notices and license terms.
"""Applications (申込み): paper ones entered by staff and the portal's land
in one model; approving one creates or changes customer, supply point,
contract and switching request in one transaction."""
import datetime as dt

from power_core.ids import supply_point as supply_point_id

from trytond.i18n import gettext
from trytond.model import Index, ModelSQL, ModelView, fields
from trytond.pool import Pool
from trytond.pyson import Bool, Eval, If
from trytond.transaction import Transaction

from .common import (
    ClearedOnCopy, CompanyWorkflow, NumberedMixin, now, rec_name_domain,
    state_buttons, transition)
from .exceptions import ApplicationError

KINDS = [
    ('switch_in', "Switch-in from Another Retailer (スイッチング)"),
    ('move_in', "Move-in (再点)"),
    ('ampere_change', "Ampere Change (アンペア変更)"),
    ('name_change', "Name Change (名義変更)"),
    ('plan_change', "Plan Change (料金プラン変更)"),
    ('move_out', "Termination / Move-out (廃止)"),
    ]
NEW_SUPPLY = ('switch_in', 'move_in')
CHANNELS = [
    ('paper', "Paper"),
    ('portal', "Portal"),
    ('phone', "Phone"),
    ('agency', "Agency"),
    ]
STATES = [
    ('draft', "Draft"),
    ('received', "Received"),
    ('approved', "Approved"),
    ('rejected', "Rejected"),
    ('cancelled', "Cancelled"),
    ]
_EDIT = {'readonly': ~Eval('state').in_(['draft', 'received'])}


def _visible(*kinds):
    return {
        'invisible': ~Eval('kind').in_(list(kinds)),
        'readonly': ~Eval('state').in_(['draft', 'received']),
        }


class Application(
        ClearedOnCopy, NumberedMixin, CompanyWorkflow, ModelSQL, ModelView):
    "Application"
    __name__ = 'power.application'
    _open_states = ('draft', 'received')
    _cleared_on_copy = (
        'number', 'processed_by', 'processed_at', 'supply_point',
        'switching_requests', 'rejection_reason')
    _rec_name = 'number'
    _number_sequence = 'application_sequence'

    number = fields.Char("Number", readonly=True)
    company = fields.Many2One(
        'company.company', "Company", required=True, states=_EDIT)
    kind = fields.Selection(KINDS, "Kind", required=True, states=_EDIT)
    channel = fields.Selection(CHANNELS, "Channel", required=True,
        states=_EDIT)
    sales_channel = fields.Many2One(
        'power.sales.channel', "Sales Channel", ondelete='RESTRICT',
        states=_EDIT)
    campaign = fields.Many2One(
        'power.campaign', "Campaign", ondelete='RESTRICT', states=_EDIT)
    received_at = fields.DateTime("Received At", required=True, states=_EDIT)
    requested_date = fields.Date(
        "Requested Date", states=_EDIT,
        help="When the customer wants the change; the effective date is "
        "the next possible reading day on or after it.")

    # who
    customer = fields.Many2One(
        'party.party', "Customer", ondelete='RESTRICT',
        context={'company': Eval('company', -1)}, depends={'company'},
        states={
            'readonly': _EDIT['readonly'],
            'required': ~Eval('kind').in_(list(NEW_SUPPLY)),
            },
        help="An existing customer; for new supply, leave empty to "
        "register the applicant below.")
    applicant_name = fields.Char(
        "Applicant Name", strip=True, states=_visible(*NEW_SUPPLY))
    applicant_name_kana = fields.Char(
        "Applicant Name (Kana)", strip=True, states=_visible(*NEW_SUPPLY))
    phone = fields.Char("Phone", strip=True, states=_visible(*NEW_SUPPLY))
    email = fields.Char("Email", strip=True, states=_visible(*NEW_SUPPLY))
    postal_code = fields.Char(
        "Postal Code", strip=True, states=_visible(*NEW_SUPPLY))
    address = fields.Char(
        "Address", strip=True, states=_visible(*NEW_SUPPLY),
        help="The supply address (需要場所).")

    # where
    supply_point_number = fields.Char(
        "Supply Point Number", strip=True, states=_visible(*NEW_SUPPLY),
        help="From the meter-reading slip (検針票).")
    reading_schedule = fields.Char(
        "Meter Reading Schedule", states=_visible(*NEW_SUPPLY))
    current_retailer = fields.Char(
        "Current Retailer", states=_visible('switch_in'))
    current_customer_number = fields.Char(
        "Customer Number at Current Retailer", states=_visible('switch_in'))

    # what
    contract = fields.Many2One(
        'power.contract', "Contract", ondelete='RESTRICT',
        domain=[If(Bool(Eval('customer')),
                ('customer', '=', Eval('customer', -1)), ())],
        states={
            'invisible': Eval('kind').in_(list(NEW_SUPPLY))
            & ~Eval('contract'),
            'readonly': _EDIT['readonly'] | Eval('kind').in_(list(NEW_SUPPLY)),
            'required': ~Eval('kind').in_(list(NEW_SUPPLY)),
            })
    menu = fields.Many2One(
        'power.rate_menu', "Rate Menu", ondelete='RESTRICT',
        states=_visible('switch_in', 'move_in', 'plan_change'))
    capacity = fields.Numeric(
        "Contract Capacity", digits=(16, 1),
        states=_visible('switch_in', 'move_in', 'ampere_change'))
    holder_name = fields.Char(
        "New Contract Holder", strip=True, states=_visible('name_change'))
    holder_name_kana = fields.Char(
        "New Contract Holder (Kana)", strip=True,
        states=_visible('name_change'))
    meter_removal = fields.Boolean(
        "Meter Removal", states=_visible('move_out'),
        help="Remove the meter (撤去) at the move-out.")
    forwarding_postal_code = fields.Char(
        "Forwarding Postal Code", strip=True, states=_visible('move_out'),
        help="The postal code of the address the customer moves to.")
    forwarding_address = fields.Char(
        "Forwarding Address", strip=True, states=_visible('move_out'),
        help="Where the final bill is mailed after the move-out; on "
        "approval it becomes an address of the customer and the final bill "
        "address of the contract.")
    forwarding_phone = fields.Char(
        "Forwarding Phone", strip=True, states=_visible('move_out'),
        help="A phone number after the move-out (optional).")

    # legal
    explanation_document = fields.Many2One(
        'power.explanation.document', "Explanation Document",
        ondelete='RESTRICT', states=_EDIT,
        domain=[('kind', '=', 'pre')],
        help="The pre-contract document (契約締結前交付書面) explained to "
        "the customer.")
    explained_at = fields.DateTime(
        "Explained At", states=_EDIT,
        help="When the supply terms were explained and accepted.")
    consent = fields.Boolean(
        "Consent", states=_EDIT,
        help="The customer accepted the explained terms.")

    # processing
    rejection_reason = fields.Many2One(
        'power.application.rejection.reason', "Rejection Reason",
        ondelete='RESTRICT', states={
            'invisible': Eval('state') != 'rejected',
            'required': Eval('state') == 'rejected',
            })
    processed_by = fields.Many2One('res.user', "Processed By", readonly=True)
    processed_at = fields.DateTime("Processed At", readonly=True)
    supply_point = fields.Many2One(
        'power.supply_point', "Supply Point", readonly=True)
    switching_requests = fields.One2Many(
        'power.switching.request', 'application', "Switching Requests",
        readonly=True)
    progress = fields.Function(
        fields.Char("Progress"), 'get_progress')
    note = fields.Text("Note")
    state = fields.Selection(STATES, "State", readonly=True, required=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('received_at', 'DESC'), ('id', 'DESC')]
        t = cls.__table__()
        cls._sql_indexes.add(Index(t, (t.customer, Index.Equality())))
        cls._transitions |= {
            ('draft', 'received'),
            ('received', 'approved'),
            ('draft', 'approved'),
            ('received', 'rejected'),
            ('draft', 'rejected'),
            ('draft', 'cancelled'),
            ('received', 'cancelled'),
            ('rejected', 'draft'),
            ('cancelled', 'draft'),
            }
        cls._buttons.update(state_buttons({
                    'receive': ['draft'],
                    'approve': ['draft', 'received'],
                    'reject': ['draft', 'received'],
                    'cancel': ['draft', 'received'],
                    'draft': ['rejected', 'cancelled'],
                    }, back={'draft'}))

    @classmethod
    def default_channel(cls):
        return 'paper'

    @classmethod
    def default_received_at(cls):
        return now()

    @classmethod
    def default_consent(cls):
        return False

    @classmethod
    def default_meter_removal(cls):
        return False

    @classmethod
    def default_explanation_document(cls):
        Document = Pool().get('power.explanation.document')
        document = Document.current('pre', dt.date.today())
        return document.id if document else None

    @fields.depends('contract', 'customer')
    def on_change_contract(self):
        if self.contract and not self.customer:
            self.customer = self.contract.customer

    def get_progress(self, name):
        if self.state != 'approved':
            return dict(self.fields_get(['state'])['state']['selection'])[
                self.state]
        states = [f'{r.rec_name}: {r.state}' for r in self.switching_requests]
        return ', '.join(states) or 'approved'

    @classmethod
    def search_rec_name(cls, name, clause):
        return rec_name_domain(
            clause, 'number', 'customer.rec_name', 'applicant_name',
            'applicant_name_kana', 'supply_point_number')

    @classmethod
    def preprocess_values(cls, mode, values):
        values = super().preprocess_values(mode, values)
        if values.get('supply_point_number'):
            values['supply_point_number'] = supply_point_id.compact(
                values['supply_point_number'])
        return values

    @classmethod
    @ModelView.button
    @transition('received')
    def receive(cls, applications):
        pass

    @classmethod
    @ModelView.button
    @transition('rejected')
    def reject(cls, applications):
        for application in applications:
            if not application.rejection_reason:
                raise ApplicationError(gettext(
                        'power_cis.msg_application_rejection_reason',
                        application=application.rec_name))
        cls._processed(applications)

    @classmethod
    @ModelView.button
    @transition('cancelled')
    def cancel(cls, applications):
        pass

    @classmethod
    @ModelView.button
    @transition('draft')
    def draft(cls, applications):
        cls.write(applications, {'rejection_reason': None})

    @classmethod
    @ModelView.button
    @transition('approved')
    def approve(cls, applications):
        """Create or change customer, supply point, contract and switching
        request; any refusal raises before the state is written, and the
        transaction rolls everything back."""
        for application in applications:
            application.check_complete()
            getattr(application, f'_approve_{application.kind}')()
        cls._processed(applications)

    @classmethod
    def _processed(cls, applications):
        moment = now()
        for application in applications:
            application.processed_by = Transaction().user
            application.processed_at = moment
        cls.save(applications)

    def check_complete(self):
        "Refuse an application that lacks what its kind needs."
        def missing(field):
            raise ApplicationError(gettext(
                    'power_cis.msg_application_missing',
                    application=self.rec_name,
                    field=self.__names__(field)['field']))
        required = {
            'switch_in': ['supply_point_number', 'menu', 'capacity',
                'current_retailer', 'current_customer_number'],
            'move_in': ['supply_point_number', 'address', 'menu', 'capacity'],
            'ampere_change': ['contract', 'capacity'],
            'name_change': ['contract', 'holder_name'],
            'plan_change': ['contract', 'menu'],
            'move_out': ['contract', 'requested_date'],
            }[self.kind]
        if self.kind in NEW_SUPPLY and not self.customer:
            required += ['applicant_name', 'applicant_name_kana']
        for field in required:
            if not getattr(self, field):
                missing(field)
        if self.kind in NEW_SUPPLY:
            # 電気事業法 第2条の13: supply terms explained with a document
            if not self.explanation_document or not self.consent:
                raise ApplicationError(gettext(
                        'power_cis.msg_application_no_consent',
                        application=self.rec_name))
        if self.contract and self.contract.state not in {
                'active', 'applying'}:
            raise ApplicationError(gettext(
                    'power_cis.msg_application_contract_state',
                    application=self.rec_name,
                    contract=self.contract.rec_name))

    def _get_customer(self):
        pool = Pool()
        Party = pool.get('party.party')
        if self.customer:
            return self.customer
        mechanisms = []
        if self.phone:
            mechanisms.append({'type': 'phone', 'value': self.phone})
        if self.email:
            mechanisms.append({'type': 'email', 'value': self.email})
        party, = Party.create([{
                    'name': self.applicant_name,
                    'name_kana': self.applicant_name_kana,
                    'is_customer': True,
                    'addresses': [('create', [
                                pool.get('party.address').japanese_values(
                                    self.postal_code, self.address)])],
                    'contact_mechanisms': [('create', mechanisms)],
                    }])
        self.customer = party
        return party

    def _get_supply_point(self):
        pool = Pool()
        SupplyPoint = pool.get('power.supply_point')
        number = SupplyPoint._check_number(self.supply_point_number)
        points = SupplyPoint.search([('number', '=', number)], limit=1)
        if points:
            point, = points
        else:
            point, = SupplyPoint.create([{
                        'number': number,
                        'postal_code': self.postal_code,
                        'address': self.address or self.supply_point_number,
                        'reading_schedule': self.reading_schedule,
                        }])
        self.supply_point = point
        return point

    def _new_switching_request(self, kind, point, contract, **values):
        Request = Pool().get('power.switching.request')
        values.setdefault('requested_date', None)
        request = Request(
            company=self.company, kind=kind, supply_point=point,
            contract=contract, application=self, meter_work=False, **values)
        if not request.requested_date:
            request.requested_date = request.compute_requested_date()
        if self.requested_date and self.requested_date > (
                request.requested_date):
            request.requested_date = point.next_reading_date_from(
                self.requested_date)
        if contract and kind == 'ampere_change':
            # after the terms now known, never on the day a version starts
            latest = max(v.start_date for v in contract.versions)
            if request.requested_date <= latest:
                request.requested_date = point.next_reading_date_from(
                    latest + dt.timedelta(days=1))
        request.save()
        return request

    def _approve_new_supply(self, kind):
        pool = Pool()
        Contract = pool.get('power.contract')
        customer = self._get_customer()
        self._record_consent(customer)
        point = self._get_supply_point()
        request = self._new_switching_request(kind, point, None, **(
                {'current_retailer': self.current_retailer,
                    'current_customer_number': self.current_customer_number}
                if kind == 'switch_in' else {}))
        contract, = Contract.create([{
                    'company': self.company.id,
                    'customer': customer.id,
                    'supply_point': point.id,
                    'start_date': request.requested_date,
                    'sales_channel': (
                        self.sales_channel.id if self.sales_channel else None),
                    'campaign': self.campaign.id if self.campaign else None,
                    'versions': [('create', [{
                                    'start_date': request.requested_date,
                                    'menu': self.menu.id,
                                    'capacity': self.capacity,
                                    'holder_name': customer.name,
                                    'holder_name_kana': customer.name_kana,
                                    'application': self.id,
                                    }])],
                    }])
        request.contract = contract
        request.save()
        Contract.apply([contract])
        self.contract = contract

    def _record_consent(self, customer):
        Consent = Pool().get('power.consent')
        Consent.create([{
                    'party': customer.id,
                    'document': self.explanation_document.id,
                    'explained_at': self.explained_at or self.received_at,
                    'channel': self.channel,
                    'application': self.id,
                    }])

    def _approve_switch_in(self):
        self._approve_new_supply('switch_in')

    def _approve_move_in(self):
        self._approve_new_supply('reconnection')

    def _approve_ampere_change(self):
        contract = self.contract
        self._new_switching_request(
            'ampere_change', contract.supply_point, contract,
            capacity=self.capacity)

    def _approve_name_change(self):
        contract = self.contract
        date = self.requested_date or dt.date.today()
        contract.change(date, 'name_change', holder_name=self.holder_name,
            holder_name_kana=self.holder_name_kana, application=self.id)
        self._new_switching_request(
            'info_change', contract.supply_point, contract,
            requested_date=date)

    def _approve_plan_change(self):
        "A new menu from the next reading day (the next billing period)."
        contract = self.contract
        date = contract.supply_point.next_reading_date_from(
            max(self.requested_date or dt.date.today(), dt.date.today()))
        contract.change(date, 'plan_change', menu=self.menu.id,
            application=self.id)

    def _approve_move_out(self):
        pool = Pool()
        Contract = pool.get('power.contract')
        contract = self.contract
        self._new_switching_request(
            'removal' if self.meter_removal else 'termination',
            contract.supply_point, contract,
            requested_date=self.requested_date)
        if self.forwarding_address:
            contract.final_bill_address = self._forwarding_address()
            contract.save()
        Contract.start_termination([contract])

    def _forwarding_address(self):
        """The customer's new address where the final bill goes, with the
        forwarding phone among their contact mechanisms."""
        pool = Pool()
        Address = pool.get('party.address')
        ContactMechanism = pool.get('party.contact_mechanism')
        customer = self.contract.customer
        address, = Address.create([{
                    'party': customer.id,
                    **Address.japanese_values(self.forwarding_postal_code,
                        self.forwarding_address),
                    }])
        if self.forwarding_phone and self.forwarding_phone not in {
                m.value for m in customer.contact_mechanisms
                if m.type == 'phone'}:
            ContactMechanism.create([{'party': customer.id, 'type': 'phone',
                        'value': self.forwarding_phone,
                        'address': address.id}])
        return address
