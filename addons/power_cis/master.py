# This file is part of the power retailer CIS.  The COPYRIGHT file at the
# top level of this repository contains the full copyright notices and license terms.
"""The masters (マスタ) that staff maintain: each can be created, edited and
deactivated by the Power Administration group and read by every power
group."""
from power_core.calendar.business import BusinessCalendar

from trytond.i18n import gettext
from trytond.model import (
    DeactivableMixin, ModelSQL, ModelView, Unique, fields, sequence_ordered)
from trytond.pool import PoolMeta
from trytond.pyson import Eval

from .common import rec_name_domain
from .exceptions import MasterValidationError

NOTICE_KINDS = [
    ('contract_conclusion', "Contract Conclusion (契約締結後交付書面)"),
    ('termination_warning', "Termination Warning (解約予告通知)"),
    ('termination', "Termination (解約通知)"),
    ('usage', "Usage Notice (電気使用量のお知らせ)"),
    ('dunning', "Dunning (督促)"),
    ]


class MasterMixin(DeactivableMixin, sequence_ordered()):
    "A coded master record."
    __slots__ = ()
    code = fields.Char("Code", required=True, strip=True)
    name = fields.Char("Name", required=True, translate=True)
    description = fields.Text("Description")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints += [
            ('code_unique', Unique(t, t.code),
                'power_cis.msg_master_code_unique'),
            ]
        cls._order.insert(1, ('code', 'ASC'))

    def get_rec_name(self, name):
        return f'{self.code} {self.name}'

    @classmethod
    def search_rec_name(cls, name, clause):
        return rec_name_domain(clause, 'code', 'name')


class PartnerMasterMixin(MasterMixin):
    "A master for an outside company we exchange with."
    __slots__ = ()
    party = fields.Many2One(
        'party.party', "Party", ondelete='RESTRICT',
        help="The company, with its addresses and contacts.")
    partner_code = fields.Char(
        "Partner Code", strip=True,
        help="Our identifier at this partner, or theirs in its files.")


class Campaign(MasterMixin, ModelSQL, ModelView):
    "Campaign"
    __name__ = 'power.campaign'
    start_date = fields.Date("Start Date")
    end_date = fields.Date(
        "End Date",
        domain=['OR', ('end_date', '=', None),
            ('end_date', '>=', Eval('start_date', None))])


class SalesChannel(MasterMixin, ModelSQL, ModelView):
    "Sales Channel"
    __name__ = 'power.sales.channel'
    kind = fields.Selection([
            ('web', "Web"),
            ('phone', "Phone"),
            ('shop', "Shop"),
            ('door', "Door to Door"),
            ('agency', "Agency (取次・代理)"),
            ], "Kind", required=True)
    agency = fields.Many2One(
        'party.party', "Agency", ondelete='RESTRICT',
        states={'invisible': Eval('kind') != 'agency'},
        help="The agency that sells for us (取次・媒介・代理).")


class SalesRepresentative(MasterMixin, ModelSQL, ModelView):
    "Sales Representative"
    __name__ = 'power.sales.representative'
    channel = fields.Many2One(
        'power.sales.channel', "Sales Channel", ondelete='RESTRICT')
    email = fields.Char("Email")


class InquiryCategory(MasterMixin, ModelSQL, ModelView):
    "Inquiry Category"
    __name__ = 'power.inquiry.category'


class InquiryResult(MasterMixin, ModelSQL, ModelView):
    "Inquiry Result Type"
    __name__ = 'power.inquiry.result'


class CancellationReason(MasterMixin, ModelSQL, ModelView):
    "Cancellation Reason"
    __name__ = 'power.cancellation.reason'


class ApplicationRejectionReason(MasterMixin, ModelSQL, ModelView):
    "Application Rejection Reason"
    __name__ = 'power.application.rejection.reason'


class SwitchingRejectionReason(MasterMixin, ModelSQL, ModelView):
    "Switching Rejection Reason"
    __name__ = 'power.switching.rejection.reason'
    customer_action = fields.Text(
        "Customer Action", translate=True,
        help="What the customer must do, told by the operator.")


class ExplanationDocument(MasterMixin, ModelSQL, ModelView):
    "Contract Explanation Document"
    __name__ = 'power.explanation.document'
    kind = fields.Selection([
            ('pre', "Pre-contract (契約締結前交付書面)"),
            ('post', "Post-contract (契約締結後交付書面)"),
            ], "Kind", required=True)
    version = fields.Char("Version", required=True)
    valid_from = fields.Date("Valid From", required=True)
    content = fields.Text(
        "Content", required=True,
        help="The text shown to and accepted by the customer.")

    @classmethod
    def current(cls, kind, date):
        "The version of `kind` in force on `date`."
        documents = cls.search([
                ('kind', '=', kind),
                ('valid_from', '<=', date),
                ], order=[('valid_from', 'DESC')], limit=1)
        return documents[0] if documents else None


class NoticeTemplate(MasterMixin, ModelSQL, ModelView):
    "Print Notice Template"
    __name__ = 'power.notice.template'
    kind = fields.Selection(NOTICE_KINDS, "Kind", required=True)
    body = fields.Text("Body", required=True, translate=True)


class MailTemplate(MasterMixin, ModelSQL, ModelView):
    "Mail Template"
    __name__ = 'power.mail.template'
    subject = fields.Char("Subject", required=True, translate=True)
    body = fields.Text(
        "Body", required=True, translate=True,
        help="Placeholders in braces are filled from the customer and the "
        "contract: {customer_name}, {customer_number}, {contract_number}, "
        "{supply_point}, {capacity}, {menu}, {company}, {inquiry_number}.")

    @classmethod
    def validate_fields(cls, templates, field_names):
        super().validate_fields(templates, field_names)
        from .mail import check_template
        for template in templates:
            check_template(template)


class GridArea(MasterMixin, ModelSQL, ModelView):
    "Grid Area"
    __name__ = 'power.grid_area'
    operator_name = fields.Char("Grid Operator", required=True)
    operator_code = fields.Char(
        "Operator Code", help="The operator's participant code at OCCTO.")


class VoltageClass(MasterMixin, ModelSQL, ModelView):
    "Voltage Class"
    __name__ = 'power.voltage_class'
    max_capacity = fields.Numeric(
        "Maximum Capacity (kW)", digits=(16, 0),
        help="The largest contract this class serves.")


class RateMenu(MasterMixin, ModelSQL, ModelView):
    "Rate Menu"
    __name__ = 'power.rate_menu'
    _history = True
    customer_class = fields.Selection([
            ('low_lighting', "Low Voltage Lighting (従量電灯)"),
            ('low_power', "Low Voltage Power (低圧電力)"),
            ('high', "High Voltage (高圧)"),
            ], "Customer Class", required=True)
    capacity_unit = fields.Selection([
            ('A', "A"), ('kVA', "kVA"), ('kW', "kW"),
            ], "Capacity Unit", required=True)
    capacity_options = fields.One2Many(
        'power.capacity.option', 'menu', "Capacity Options",
        help="The capacities offered; empty for any.")
    areas = fields.Many2Many(
        'power.rate_menu-power.grid_area', 'menu', 'area', "Grid Areas",
        help="Where the menu is offered; empty for every area.")

    def allows_capacity(self, capacity, unit):
        if unit != self.capacity_unit:
            return False
        return (not self.capacity_options
            or any(o.capacity == capacity for o in self.capacity_options))


class RateMenuGridArea(ModelSQL):
    "Rate Menu - Grid Area"
    __name__ = 'power.rate_menu-power.grid_area'
    menu = fields.Many2One(
        'power.rate_menu', "Rate Menu", required=True, ondelete='CASCADE')
    area = fields.Many2One(
        'power.grid_area', "Grid Area", required=True, ondelete='CASCADE')


class CapacityOption(ModelSQL, ModelView):
    "Contract Capacity Option"
    __name__ = 'power.capacity.option'
    menu = fields.Many2One(
        'power.rate_menu', "Rate Menu", required=True, ondelete='CASCADE')
    capacity = fields.Numeric("Capacity", digits=(16, 1), required=True)
    unit = fields.Function(fields.Char("Unit"), 'on_change_with_unit')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.__access__.add('menu')
        cls._order.insert(0, ('capacity', 'ASC'))

    @fields.depends('menu', '_parent_menu.capacity_unit')
    def on_change_with_unit(self, name=None):
        return self.menu.capacity_unit if self.menu else None


class ReadingDay(ModelSQL, ModelView):
    "Meter Reading Day"
    __name__ = 'power.reading.day'
    area = fields.Many2One(
        'power.grid_area', "Grid Area", required=True, ondelete='CASCADE')
    schedule = fields.Selection(
        [(f'{i:02d}', f'{i:02d}') for i in range(1, 27)],
        "Schedule", required=True)
    date = fields.Date(
        "Reading Date", required=True,
        help="The reading day published by the grid operator "
        "(検針日カレンダー); it replaces the computed one.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints += [
            ('schedule_month_unique', Unique(
                    t, t.area, t.schedule, t.date),
                'power_cis.msg_reading_day_unique'),
            ]
        cls._order = [('date', 'DESC'), ('schedule', 'ASC'), ('id', 'DESC')]


class BusinessCalendarDay(ModelSQL, ModelView):
    "Business Calendar Override"
    __name__ = 'power.business.calendar'
    date = fields.Date("Date", required=True)
    kind = fields.Selection([
            ('closed', "Closed"),
            ('open', "Open"),
            ], "Kind", required=True,
        help="Closed: not a business day although the national calendar "
        "says so; open: a business day although it is a holiday.")
    description = fields.Char("Description")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints += [
            ('date_unique', Unique(t, t.date),
                'power_cis.msg_business_calendar_unique'),
            ]
        cls._order = [('date', 'DESC'), ('id', 'DESC')]

    @classmethod
    def calendar(cls):
        "The business calendar with the overrides staff entered."
        days = cls.search([])
        return BusinessCalendar(
            closed=[d.date for d in days if d.kind == 'closed'],
            open_=[d.date for d in days if d.kind == 'open'])


class PaymentAgent(PartnerMasterMixin, ModelSQL, ModelView):
    "Payment Agent"
    __name__ = 'power.payment.agent'
    kind = fields.Selection([
            ('card', "Credit Card"),
            ('bank', "Bank Direct Debit"),
            ('konbini', "Convenience Store"),
            ], "Kind", required=True)


class KonbiniAgent(PartnerMasterMixin, ModelSQL, ModelView):
    "Konbini Collection Agent"
    __name__ = 'power.konbini.agent'
    gs1_company_prefix = fields.Char(
        "GS1 Company Prefix", strip=True,
        help="The collection agent's prefix in the GS1-128 barcode.")


class PointProgramme(PartnerMasterMixin, ModelSQL, ModelView):
    "Point Programme"
    __name__ = 'power.point.programme'


class ProcurementSource(PartnerMasterMixin, ModelSQL, ModelView):
    "Power Procurement Source"
    __name__ = 'power.procurement.source'


class PrintShop(PartnerMasterMixin, ModelSQL, ModelView):
    "Print Shop"
    __name__ = 'power.print.shop'


class CollectionAgency(PartnerMasterMixin, ModelSQL, ModelView):
    "Collection Agency"
    __name__ = 'power.collection.agency'


class BankBranch(DeactivableMixin, ModelSQL, ModelView):
    "Bank Branch"
    __name__ = 'power.bank.branch'
    bank = fields.Many2One('bank', "Bank", required=True, ondelete='CASCADE')
    code = fields.Char(
        "Branch Code", required=True, size=3, strip=True,
        help="The 3-digit Zengin branch code (支店コード).")
    name = fields.Char("Name", required=True)
    name_kana = fields.Char(
        "Name (Kana)", help="Half-width kana as in Zengin files.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints += [
            ('bank_code_unique', Unique(t, t.bank, t.code),
                'power_cis.msg_bank_branch_unique'),
            ]
        cls._order.insert(0, ('code', 'ASC'))

    def get_rec_name(self, name):
        return f'{self.code} {self.name}'

    @classmethod
    def search_rec_name(cls, name, clause):
        return rec_name_domain(clause, 'code', 'name', 'name_kana')

    @classmethod
    def validate_fields(cls, branches, field_names):
        super().validate_fields(branches, field_names)
        for branch in branches:
            if not (branch.code.isdigit() and len(branch.code) == 3):
                raise MasterValidationError(gettext(
                        'power_cis.msg_bank_branch_code',
                        code=branch.code))


class Bank(metaclass=PoolMeta):
    __name__ = 'bank'
    zengin_code = fields.Char(
        "Zengin Code", size=4, strip=True,
        help="The 4-digit Zengin bank code (金融機関コード).")
    name_kana = fields.Char("Name (Kana)")
    branches = fields.One2Many('power.bank.branch', 'bank', "Branches")
