# This file is part of the power retailer CIS.  The COPYRIGHT file at the
# top level of this repository contains the full copyright notices and license terms.
import datetime as dt

from sql.operators import Exists

from power_core import capacity as capacity_rules
from power_core.errors import ValidationError as CoreValidationError

from trytond.i18n import gettext
from trytond.model import Index, ModelSQL, ModelView, Unique, fields
from trytond.pool import Pool
from trytond.pyson import Eval, If
from trytond.transaction import Transaction

from .common import (
    ClearedOnCopy, CompanyWorkflow, NumberedMixin, rec_name_domain,
    state_buttons, transition)
from .exceptions import (
    ContractOverlapError, ContractValidationError, ContractVersionError)
from .party import SearchKeysMixin

STATES = [
    ('draft', "Draft"),
    ('applying', "Applying"),
    ('active', "Active"),
    ('terminating', "Terminating"),
    ('terminated', "Terminated"),
    ('cancelled', "Cancelled"),
    ]
LIVE_STATES = ('applying', 'active', 'terminating')
CAPACITY_UNITS = [
    ('A', "A"),
    ('kVA', "kVA"),
    ('kW', "kW"),
    ]
CHANGE_KINDS = [
    ('new', "New Contract"),
    ('ampere_change', "Ampere Change"),
    ('capacity_change', "Capacity Change"),
    ('name_change', "Name Change"),
    ('plan_change', "Plan Change"),
    ('correction', "Correction"),
    ]
_DRAFT = {'readonly': Eval('state') != 'draft'}


class Contract(
        ClearedOnCopy, NumberedMixin, SearchKeysMixin, CompanyWorkflow,
        ModelSQL, ModelView):
    "Power Contract"
    __name__ = 'power.contract'
    _open_states = ('draft', *LIVE_STATES)
    _cleared_on_copy = (
        'number', 'end_date', 'switching_requests', 'cancellation_reason')
    _history = True
    _rec_name = 'number'
    _number_sequence = 'contract_sequence'

    company = fields.Many2One(
        'company.company', "Company", required=True, states=_DRAFT)
    number = fields.Char("Number", readonly=True)
    customer = fields.Many2One(
        'party.party', "Customer", required=True, ondelete='RESTRICT',
        states=_DRAFT, context={'company': Eval('company', -1)},
        depends={'company'})
    supply_point = fields.Many2One(
        'power.supply_point', "Supply Point", required=True,
        ondelete='RESTRICT', states=_DRAFT)
    area = fields.Function(
        fields.Many2One('power.grid_area', "Grid Area"),
        'on_change_with_area')
    start_date = fields.Date(
        "Start Date", required=True,
        states={'readonly': ~Eval('state').in_(['draft', 'applying'])},
        help="The first day of supply.")
    end_date = fields.Date(
        "End Date",
        domain=[If(Eval('end_date') & Eval('start_date'),
                ('end_date', '>=', Eval('start_date')), ())],
        states={'readonly': Eval('state').in_(['terminated', 'cancelled'])},
        help="The last day of supply.")
    versions = fields.One2Many(
        'power.contract.version', 'contract', "Versions",
        states={'readonly': Eval('state').in_(['terminated', 'cancelled'])},
        help="The dated terms of the contract; a change adds a version "
        "from its date and never rewrites an earlier one.")
    menu = fields.Function(
        fields.Many2One('power.rate_menu', "Rate Menu"),
        'get_current', searcher='search_current')
    capacity = fields.Function(
        fields.Numeric("Contract Capacity", digits=(16, 1)),
        'get_current', searcher='search_current')
    capacity_unit = fields.Function(
        fields.Selection([(None, '')] + CAPACITY_UNITS, "Capacity Unit"),
        'get_current')
    holder_name = fields.Function(
        fields.Char("Contract Holder"), 'get_current',
        searcher='search_current')
    sales_channel = fields.Many2One(
        'power.sales.channel', "Sales Channel", ondelete='RESTRICT')
    sales_representative = fields.Many2One(
        'power.sales.representative', "Sales Representative",
        ondelete='RESTRICT')
    campaign = fields.Many2One(
        'power.campaign', "Campaign", ondelete='RESTRICT')
    final_bill_address = fields.Many2One(
        'party.address', "Final Bill Address", ondelete='RESTRICT',
        domain=[('party', '=', Eval('customer', -1))],
        states={'invisible': ~Eval('state').in_(
                ['terminating', 'terminated'])},
        help="Where the final bill (the period that reaches the end of "
        "supply) is mailed: the forwarding address of the move-out.")
    cancellation_reason = fields.Many2One(
        'power.cancellation.reason', "Cancellation Reason",
        ondelete='RESTRICT',
        states={'invisible': ~Eval('state').in_(
                ['terminating', 'terminated', 'cancelled'])})
    switching_requests = fields.One2Many(
        'power.switching.request', 'contract', "Switching Requests",
        readonly=True)
    state = fields.Selection(STATES, "State", readonly=True, required=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('start_date', 'DESC'), ('id', 'DESC')]
        t = cls.__table__()
        cls._sql_indexes.update({
                Index(t, (t.supply_point, Index.Equality())),
                Index(t, (t.customer, Index.Equality())),
                })
        cls._transitions |= {
            ('draft', 'applying'),
            ('draft', 'active'),
            ('applying', 'active'),
            ('applying', 'draft'),
            ('active', 'terminating'),
            ('terminating', 'active'),
            ('terminating', 'terminated'),
            ('active', 'terminated'),
            ('draft', 'cancelled'),
            ('applying', 'cancelled'),
            ('cancelled', 'draft'),
            }
        cls._buttons.update(state_buttons({
                    'apply': ['draft'],
                    'activate': ['draft', 'applying'],
                    'start_termination': ['active'],
                    'resume': ['terminating'],
                    'terminate': ['active', 'terminating'],
                    'cancel': ['draft', 'applying'],
                    'draft': ['cancelled', 'applying'],
                    }, back={'resume', 'draft'}))

    @fields.depends('supply_point')
    def on_change_with_area(self, name=None):
        if self.supply_point and self.supply_point.area:
            return self.supply_point.area.id

    def version_at(self, date=None):
        "The version in force on date (today by default)."
        if date is None:
            date = Transaction().context.get('date') or dt.date.today()
        found = None
        for version in sorted(self.versions, key=lambda v: v.start_date):
            if version.start_date <= date:
                found = version
        if found is None and self.versions:
            # not started yet: its first terms
            found = min(self.versions, key=lambda v: v.start_date)
        return found

    @classmethod
    def get_current(cls, contracts, names):
        result = {n: {} for n in names}
        for contract in contracts:
            version = contract.version_at()
            for name in names:
                value = getattr(version, name, None) if version else None
                if name == 'menu' and value is not None:
                    value = value.id
                result[name][contract.id] = value
        return result

    @classmethod
    def search_current(cls, name, clause):
        "Match the contracts whose version in force today matches."
        pool = Pool()
        Version = pool.get('power.contract.version')
        today = Transaction().context.get('date') or dt.date.today()
        _, operator, operand, *extra = clause
        return [('versions', 'where', [
                    ('id', 'in', Version.current_query(today)),
                    (name, operator, operand, *extra),
                    ])]

    def _search_parties(self):
        return [self.customer]

    @classmethod
    def search_rec_name(cls, name, clause):
        return rec_name_domain(
            clause, 'number', 'customer.rec_name', 'supply_point.rec_name')

    @classmethod
    def preprocess_values(cls, mode, values):
        Party = Pool().get('party.party')
        values = super().preprocess_values(mode, values)
        if mode == 'create' and values.get('customer'):
            Party.make_customers([Party(values['customer'])])
        return values

    @classmethod
    def validate(cls, contracts):
        super().validate(contracts)
        cls.check_overlap([c for c in contracts if c.state in LIVE_STATES])
        for contract in contracts:
            contract.check_versions()

    def check_versions(self):
        if self.state in {'draft', 'cancelled'} and not self.versions:
            return
        if not self.versions:
            raise ContractVersionError(gettext(
                    'power_cis.msg_contract_no_version',
                    contract=self.rec_name))
        first = min(v.start_date for v in self.versions)
        if first != self.start_date:
            raise ContractVersionError(gettext(
                    'power_cis.msg_contract_first_version',
                    contract=self.rec_name, version_date=first,
                    start_date=self.start_date))

    @classmethod
    def check_overlap(cls, contracts):
        "No two live contracts supply one point on the same day."
        for contract in contracts:
            domain = [
                ('id', '!=', contract.id),
                ('supply_point', '=', contract.supply_point.id),
                ('state', 'in', LIVE_STATES),
                ['OR',
                    ('end_date', '=', None),
                    ('end_date', '>=', contract.start_date),
                    ],
                ]
            if contract.end_date:
                domain.append(('start_date', '<=', contract.end_date))
            others = cls.search(domain, limit=1)
            if others:
                other, = others
                raise ContractOverlapError(gettext(
                        'power_cis.msg_contract_overlap',
                        contract=contract.rec_name,
                        other=other.rec_name,
                        supply_point=contract.supply_point.rec_name))

    @classmethod
    def check_modification(cls, mode, contracts, values=None, external=False):
        super().check_modification(
            mode, contracts, values=values, external=external)
        if mode == 'delete':
            for contract in contracts:
                if contract.state not in {'draft', 'cancelled'}:
                    raise ContractValidationError(gettext(
                            'power_cis.msg_contract_delete_not_draft',
                            contract=contract.rec_name))

    def final_address(self, period_end):
        """The final bill address if the period [start, period_end) is the
        last one, reaching the last day of supply; otherwise None."""
        if (self.final_bill_address and self.end_date
                and period_end >= self.end_date):
            return self.final_bill_address
        return None

    def change(self, date, kind, **values):
        """Add a version from date with values changed from the version in
        force then; return it. Earlier versions are never rewritten."""
        pool = Pool()
        Version = pool.get('power.contract.version')
        if self.state in {'terminated', 'cancelled'}:
            raise ContractVersionError(gettext(
                    'power_cis.msg_contract_change_closed',
                    contract=self.rec_name, state=self.state))
        if date < self.start_date or (self.end_date and date > self.end_date):
            raise ContractVersionError(gettext(
                    'power_cis.msg_contract_change_outside',
                    contract=self.rec_name, date=date))
        if any(v.start_date == date for v in self.versions):
            raise ContractVersionError(gettext(
                    'power_cis.msg_contract_change_same_day',
                    contract=self.rec_name, date=date))
        base = self.version_at(date)
        version, = Version.copy([base], default={
                'start_date': date, 'change_kind': kind, **values})
        return version

    @classmethod
    @ModelView.button
    @transition('applying')
    def apply(cls, contracts):
        pass

    @classmethod
    @ModelView.button
    @transition('active')
    def activate(cls, contracts):
        # Checked before the state is written, so a refusal changes nothing.
        cls.check_overlap(contracts)
        for contract in contracts:
            contract.check_versions()
            if not contract.versions:
                raise ContractVersionError(gettext(
                        'power_cis.msg_contract_no_version',
                        contract=contract.rec_name))

    @classmethod
    @ModelView.button
    @transition('terminating')
    def start_termination(cls, contracts):
        pass

    @classmethod
    @ModelView.button
    @transition('active')
    def resume(cls, contracts):
        "Stop a termination in progress (e.g. the debt was paid)."
        cls.write(contracts, {'end_date': None, 'cancellation_reason': None})

    @classmethod
    @ModelView.button
    @transition('terminated')
    def terminate(cls, contracts):
        Date = Pool().get('ir.date')
        for contract in contracts:
            if not contract.end_date:
                with Transaction().set_context(company=contract.company.id):
                    contract.end_date = Date.today()
        cls.save(contracts)

    @classmethod
    @ModelView.button
    @transition('cancelled')
    def cancel(cls, contracts):
        pass

    @classmethod
    @ModelView.button
    @transition('draft')
    def draft(cls, contracts):
        pass


class Version(ModelSQL, ModelView):
    "Power Contract Version"
    __name__ = 'power.contract.version'
    _history = True
    contract = fields.Many2One(
        'power.contract', "Contract", required=True, ondelete='CASCADE')
    start_date = fields.Date(
        "Valid From", required=True,
        help="The first day these terms apply.")
    end_date = fields.Function(
        fields.Date("Valid To", help="The last day these terms apply."),
        'get_end_date')
    menu = fields.Many2One(
        'power.rate_menu', "Rate Menu", required=True, ondelete='RESTRICT')
    capacity = fields.Numeric(
        "Contract Capacity", digits=(16, 1), required=True,
        help="Amperes for 従量電灯B, kVA for 従量電灯C, kW for demand "
        "contracts.")
    capacity_unit = fields.Function(
        fields.Selection([(None, '')] + CAPACITY_UNITS, "Capacity Unit"),
        'on_change_with_capacity_unit')
    holder_name = fields.Char(
        "Contract Holder", required=True, strip=True,
        help="The name of the contract holder (契約名義).")
    holder_name_kana = fields.Char("Contract Holder (Kana)", strip=True)
    billing_address = fields.Many2One(
        'party.address', "Billing Address", ondelete='RESTRICT',
        domain=[('party', '=', Eval('customer', -1))])
    customer = fields.Function(
        fields.Many2One('party.party', "Customer"), 'on_change_with_customer')
    change_kind = fields.Selection(CHANGE_KINDS, "Change", required=True)
    application = fields.Many2One(
        'power.application', "Application", readonly=True,
        ondelete='SET NULL')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.__access__.add('contract')
        t = cls.__table__()
        cls._sql_constraints += [
            ('contract_start_unique', Unique(t, t.contract, t.start_date),
                'power_cis.msg_contract_version_date_unique'),
            ]
        cls._order = [
            ('contract', 'ASC'), ('start_date', 'DESC'), ('id', 'DESC')]

    @classmethod
    def default_change_kind(cls):
        return 'new'

    @fields.depends('menu')
    def on_change_with_capacity_unit(self, name=None):
        return self.menu.capacity_unit if self.menu else None

    @fields.depends('contract', '_parent_contract.customer')
    def on_change_with_customer(self, name=None):
        if self.contract and self.contract.customer:
            return self.contract.customer.id

    @classmethod
    def get_end_date(cls, versions, name):
        result = {}
        for version in versions:
            contract = version.contract
            later = [v.start_date for v in contract.versions
                if v.start_date > version.start_date]
            if later:
                result[version.id] = min(later) - dt.timedelta(days=1)
            else:
                result[version.id] = contract.end_date
        return result

    @classmethod
    def current_query(cls, date):
        "SQL selecting the ids of the versions in force on date."
        version = cls.__table__()
        later = cls.__table__()
        return version.select(version.id, where=(version.start_date <= date)
            & ~Exists(later.select(later.id, where=(
                        later.contract == version.contract)
                    & (later.start_date > version.start_date)
                    & (later.start_date <= date))))

    def get_rec_name(self, name):
        return f'{self.contract.rec_name} @ {self.start_date}'

    @classmethod
    def validate_fields(cls, versions, field_names):
        super().validate_fields(versions, field_names)
        if field_names and not (field_names & {
                    'capacity', 'menu', 'contract', 'start_date'}):
            return
        for version in versions:
            version.check_capacity()
            version.check_dates()

    def check_capacity(self):
        contract = self.contract
        unit = self.menu.capacity_unit
        try:
            capacity_rules.validate(self.capacity, unit)
        except CoreValidationError as e:
            raise ContractValidationError(gettext(
                    'power_cis.msg_contract_capacity_invalid',
                    contract=contract.rec_name, reason=e.reason)) from e
        if not self.menu.allows_capacity(self.capacity, unit):
            raise ContractValidationError(gettext(
                    'power_cis.msg_contract_capacity_not_offered',
                    contract=contract.rec_name, capacity=self.capacity,
                    unit=unit, menu=self.menu.rec_name))
        if unit == 'A' and not contract.supply_point.is_low_voltage:
            raise ContractValidationError(gettext(
                    'power_cis.msg_contract_ampere_low_voltage',
                    contract=contract.rec_name,
                    supply_point=contract.supply_point.rec_name))

    def check_dates(self):
        contract = self.contract
        if contract.end_date and self.start_date > contract.end_date:
            raise ContractVersionError(gettext(
                    'power_cis.msg_contract_version_after_end',
                    contract=contract.rec_name, date=self.start_date,
                    end_date=contract.end_date))
        if self.start_date < contract.start_date and contract.state not in {
                'draft', 'applying'}:
            raise ContractVersionError(gettext(
                    'power_cis.msg_contract_version_before_start',
                    contract=contract.rec_name, date=self.start_date,
                    start_date=contract.start_date))

    @classmethod
    def check_modification(cls, mode, versions, values=None, external=False):
        super().check_modification(
            mode, versions, values=values, external=external)
        if mode in {'write', 'delete'} and external:
            today = dt.date.today()
            for version in versions:
                if (version.contract.state not in {'draft', 'applying'}
                        and version.start_date <= today):
                    raise ContractVersionError(gettext(
                            'power_cis.msg_contract_version_history',
                            version=version.rec_name))
