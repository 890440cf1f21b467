# This file is part of the power retailer CIS.  The COPYRIGHT file at the
# top level of this repository contains the full copyright notices and license terms.
from power_core import capacity as capacity_rules
from power_core.errors import ValidationError as CoreValidationError

from trytond.i18n import gettext
from trytond.model import Index, ModelSQL, ModelView, Workflow, fields
from trytond.pool import Pool
from trytond.pyson import Eval, If
from trytond.transaction import Transaction

from .common import rec_name_domain
from .exceptions import ContractOverlapError, ContractValidationError

STATES = [
    ('draft', "Draft"),
    ('active', "Active"),
    ('terminated', "Terminated"),
    ('cancelled', "Cancelled"),
    ]
CAPACITY_UNITS = [
    ('A', "A"),
    ('kVA', "kVA"),
    ('kW', "kW"),
    ]
_DRAFT = {'readonly': Eval('state') != 'draft'}


class Contract(Workflow, ModelSQL, ModelView):
    "Power Contract"
    __name__ = 'power.contract'
    _rec_name = 'number'

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
        fields.Char("Grid Area"), 'on_change_with_area')
    capacity = fields.Numeric(
        "Contract Capacity", digits=(16, 1), required=True, states=_DRAFT,
        domain=[('capacity', '>', 0)],
        help="Amperes for 従量電灯B, kVA for 従量電灯C, kW for demand "
        "contracts.")
    capacity_unit = fields.Selection(
        CAPACITY_UNITS, "Capacity Unit", required=True, states=_DRAFT)
    start_date = fields.Date(
        "Start Date", required=True, states=_DRAFT,
        help="The first day of supply.")
    end_date = fields.Date(
        "End Date",
        domain=[If(Eval('end_date') & Eval('start_date'),
                ('end_date', '>=', Eval('start_date')), ())],
        states={'readonly': Eval('state').in_(['terminated', 'cancelled'])},
        help="The last day of supply.")
    state = fields.Selection(STATES, "State", readonly=True, required=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('start_date', 'DESC'), ('id', 'DESC')]
        t = cls.__table__()
        cls._sql_indexes.update({
                Index(t, (t.supply_point, Index.Equality())),
                Index(t, (t.customer, Index.Equality())),
                Index(
                    t, (t.state, Index.Equality(cardinality='low')),
                    where=t.state.in_(['draft', 'active'])),
                })
        cls._transitions |= {
            ('draft', 'active'),
            ('draft', 'cancelled'),
            ('active', 'terminated'),
            ('cancelled', 'draft'),
            }
        cls._buttons.update({
                'activate': {
                    'invisible': Eval('state') != 'draft',
                    'depends': ['state'],
                    },
                'terminate': {
                    'invisible': Eval('state') != 'active',
                    'depends': ['state'],
                    },
                'cancel': {
                    'invisible': Eval('state') != 'draft',
                    'depends': ['state'],
                    },
                'draft': {
                    'invisible': Eval('state') != 'cancelled',
                    'icon': 'tryton-back',
                    'depends': ['state'],
                    },
                })

    @classmethod
    def default_company(cls):
        return Transaction().context.get('company')

    @classmethod
    def default_state(cls):
        return 'draft'

    @classmethod
    def default_capacity_unit(cls):
        return 'A'

    @fields.depends('supply_point')
    def on_change_with_area(self, name=None):
        if self.supply_point:
            return self.supply_point.area

    def get_rec_name(self, name):
        return self.number or str(self.id)

    @classmethod
    def search_rec_name(cls, name, clause):
        return rec_name_domain(
            clause, 'number', 'customer.rec_name', 'supply_point.rec_name')

    @classmethod
    def preprocess_values(cls, mode, values):
        pool = Pool()
        Configuration = pool.get('power.configuration')
        Party = pool.get('party.party')
        values = super().preprocess_values(mode, values)
        if mode == 'create':
            if not values.get('number'):
                values['number'] = Configuration(1).get_multivalue(
                    'contract_sequence').get()
            if values.get('customer'):
                Party.make_customers([Party(values['customer'])])
        return values

    @classmethod
    def validate_fields(cls, contracts, field_names):
        super().validate_fields(contracts, field_names)
        cls.check_capacity(contracts, field_names)

    @classmethod
    def check_capacity(cls, contracts, field_names=None):
        if field_names and not (
                field_names & {'capacity', 'capacity_unit', 'supply_point'}):
            return
        for contract in contracts:
            try:
                capacity_rules.validate(
                    contract.capacity, contract.capacity_unit)
            except CoreValidationError as e:
                raise ContractValidationError(gettext(
                        'power_cis.msg_contract_capacity_invalid',
                        contract=contract.rec_name, reason=e.reason)) from e
            if (contract.capacity_unit == 'A'
                    and contract.supply_point.voltage != 'low'):
                raise ContractValidationError(gettext(
                        'power_cis.msg_contract_ampere_low_voltage',
                        contract=contract.rec_name,
                        supply_point=contract.supply_point.rec_name))

    @classmethod
    def validate(cls, contracts):
        super().validate(contracts)
        cls.check_overlap([c for c in contracts if c.state == 'active'])

    @classmethod
    def check_overlap(cls, contracts):
        "No two active contracts supply one point on the same day."
        for contract in contracts:
            domain = [
                ('id', '!=', contract.id),
                ('supply_point', '=', contract.supply_point.id),
                ('state', '=', 'active'),
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
    def copy(cls, contracts, default=None):
        default = default.copy() if default is not None else {}
        default.setdefault('number', None)
        default.setdefault('end_date', None)
        return super().copy(contracts, default=default)

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

    @classmethod
    @ModelView.button
    @Workflow.transition('active')
    def activate(cls, contracts):
        # Checked before the state is written, so a refusal changes nothing.
        cls.check_overlap(contracts)

    @classmethod
    @ModelView.button
    @Workflow.transition('terminated')
    def terminate(cls, contracts):
        pool = Pool()
        Date = pool.get('ir.date')
        for contract in contracts:
            if not contract.end_date:
                with Transaction().set_context(company=contract.company.id):
                    contract.end_date = Date.today()
        cls.save(contracts)

    @classmethod
    @ModelView.button
    @Workflow.transition('cancelled')
    def cancel(cls, contracts):
        pass

    @classmethod
    @ModelView.button
    @Workflow.transition('draft')
    def draft(cls, contracts):
        pass
