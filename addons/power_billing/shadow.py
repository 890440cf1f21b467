# This file is part of the power retailer CIS.  The COPYRIGHT file at the
# top level of this repository contains the full copyright notices and license terms.
"""Tariff change impact (shadow billing): a menu version, usually a draft,
rated over the real usage of the last months of every contract billed on
its menu, compared with what was billed. Nothing real is touched."""
import dataclasses
import datetime as dt
import statistics
from decimal import Decimal

from power_core.billing import Term, determine
from power_core.errors import PowerCoreError
from power_core.tariff import menu as core_menu

from trytond.model import ModelSQL, ModelView, fields
from trytond.modules.power_cis.common import now
from trytond.pool import Pool
from trytond.pyson import Eval

from .billing import _InsertRowsMixin
from .engine import period_context
from .regulated import regulated_values

_DONE = {'readonly': Eval('state') != 'draft'}


class Shadow(ModelSQL, ModelView):
    "Tariff Change Impact"
    __name__ = 'power.billing.shadow'
    version = fields.Many2One(
        'power.rate_menu.version', "Menu Version", required=True,
        states=_DONE,
        help="The version to try, as if it applied to the whole period.")
    months = fields.Integer(
        "Months", required=True, states=_DONE,
        domain=[('months', '>', 0), ('months', '<=', 36)],
        help="How many months of billed usage to rate again.")
    date = fields.DateTime("Run On", readonly=True)
    state = fields.Selection([
            ('draft', "Draft"),
            ('done', "Done"),
            ], "State", required=True, readonly=True)
    periods = fields.Integer("Periods", readonly=True)
    customers = fields.Integer("Customers", readonly=True)
    failed = fields.Integer(
        "Not Rated", readonly=True,
        help="Periods the version cannot rate (a capacity it does not "
        "offer, for example); listed below with the reason.")
    billed = fields.Integer("Billed (yen)", readonly=True)
    shadow = fields.Integer("With the Version (yen)", readonly=True)
    difference = fields.Integer("Difference (yen)", readonly=True)
    difference_percent = fields.Numeric(
        "Difference (%)", digits=(16, 2), readonly=True)
    median = fields.Integer(
        "Median per Customer (yen)", readonly=True,
        help="The median of the customers' total differences.")
    largest_increase = fields.Integer(
        "Largest Increase (yen)", readonly=True)
    largest_decrease = fields.Integer(
        "Largest Decrease (yen)", readonly=True)
    lines = fields.One2Many(
        'power.billing.shadow.line', 'shadow', "Periods", readonly=True,
        order=[('abs_difference', 'DESC'), ('id', 'ASC')])

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('id', 'DESC')]
        cls._buttons.update({
                'run': {
                    'invisible': Eval('state') != 'draft',
                    'depends': ['state'],
                    },
                })

    @classmethod
    def default_months(cls):
        return 12

    @classmethod
    def default_state(cls):
        return 'draft'

    def get_rec_name(self, name):
        return f'{self.version.rec_name} × {self.months}'

    @classmethod
    @ModelView.button
    def run(cls, shadows):
        for shadow in shadows:
            shadow._run()

    def _run(self):
        pool = Pool()
        Determinant = pool.get('power.billing.determinant')
        Line = pool.get('power.billing.shadow.line')
        Date = pool.get('ir.date')
        menu = self.version.menu
        since = Date.today() - dt.timedelta(days=31 * self.months)
        core = self.version.to_core()
        trial = core_menu.Menu(menu.code, menu.name, menu.customer_class,
            menu.capacity_unit,
            (dataclasses.replace(core, valid_from=dt.date(1900, 1, 1)),),
            tuple(o.capacity for o in menu.capacity_options))
        regulated = regulated_values()
        rows, by_customer = [], {}
        failed = 0
        menus = {}
        for determinant in Determinant.search([
                    ('menu', '=', menu.id),
                    ('state', '=', 'billed'),
                    ('end', '>=', since),
                    ], order=[('end', 'ASC'), ('id', 'ASC')]):
            contract = determinant.contract
            terms = []
            for version in contract.versions:
                if version.menu.id == menu.id:
                    rated = trial
                else:
                    rated = menus.setdefault(
                        version.menu.id, version.menu.to_core())
                terms.append(Term(version.id, rated, version.capacity,
                        version.start_date, contract.supply_point.area.code))
            row = {'shadow': self.id, 'determinant': determinant.id,
                'customer': determinant.customer.id,
                'billed': determinant.total}
            try:
                d = determine(terms, determinant.start, determinant.end,
                    determinant.kwh, regulated,
                    max_demand=determinant.max_demand,
                    power_factor=determinant.power_factor,
                    **period_context(contract, determinant.start,
                        determinant.end))
            except PowerCoreError as exception:
                failed += 1
                row.update({'shadow_total': None, 'difference': None,
                        'abs_difference': None, 'error': exception.reason})
            else:
                difference = d.total - determinant.total
                row.update({'shadow_total': d.total,
                        'difference': difference,
                        'abs_difference': abs(difference), 'error': None})
                by_customer.setdefault(row['customer'], 0)
                by_customer[row['customer']] += difference
            rows.append(row)
        Line.delete(Line.search([('shadow', '=', self.id)]))
        Line._insert_rows(rows)
        rated = [r for r in rows if r['shadow_total'] is not None]
        billed = sum(r['billed'] for r in rated)
        shadow = sum(r['shadow_total'] for r in rated)
        differences = list(by_customer.values())
        self.date = now()
        self.periods = len(rated)
        self.customers = len(by_customer)
        self.failed = failed
        self.billed = billed
        self.shadow = shadow
        self.difference = shadow - billed
        self.difference_percent = (round(
                Decimal(shadow - billed) * 100 / Decimal(billed), 2)
            if billed else None)
        self.median = int(statistics.median(differences)) if differences \
            else None
        self.largest_increase = max(differences, default=None)
        self.largest_decrease = min(differences, default=None)
        self.state = 'done'
        self.save()


class ShadowLine(_InsertRowsMixin, ModelSQL, ModelView):
    "Tariff Change Impact Line"
    __name__ = 'power.billing.shadow.line'
    shadow = fields.Many2One(
        'power.billing.shadow', "Impact", required=True, ondelete='CASCADE')
    determinant = fields.Many2One(
        'power.billing.determinant', "Billing Determinant", readonly=True,
        ondelete='CASCADE')
    customer = fields.Many2One(
        'party.party', "Customer", readonly=True, ondelete='CASCADE')
    billed = fields.Integer("Billed (yen)", readonly=True)
    shadow_total = fields.Integer("With the Version (yen)", readonly=True)
    difference = fields.Integer("Difference (yen)", readonly=True)
    abs_difference = fields.Integer("Size of the Difference", readonly=True)
    error = fields.Char("Not Rated Because", readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.__access__.add('shadow')
        cls._order = [('abs_difference', 'DESC'), ('id', 'ASC')]
