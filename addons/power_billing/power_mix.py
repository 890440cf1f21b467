# This file is part of the power retailer CIS.  The COPYRIGHT file at the
# top level of this repository contains the full copyright notices and license terms.
"""The power source mix (電源構成) and CO₂ emission factor the retailer
discloses per fiscal year, for a menu or for all its sales; shown on the
bill notice and the portal, and the yearly disclosure weighted by the kWh
each menu sold. The rules a disclosure must follow are power_core's
(power_core.power_mix, docs/power_mix.md); here the records."""
import datetime as dt
import io
from decimal import Decimal

from power_core import power_mix as core
from power_core.errors import PowerCoreError
from sql.aggregate import Sum

from trytond.i18n import gettext
from trytond.model import ModelSQL, ModelView, Unique, fields
from trytond.modules.power_cis.common import (
    CompanyDefault, FileResult, FileWizard, file_states)
from trytond.pool import Pool, PoolMeta
from trytond.transaction import Transaction

from .exceptions import PowerMixError

KINDS = [('result', "Result (実績)"), ('plan', "Plan (計画)")]
CLAIMS = [
    ('', "None"),
    ('renewable', "Renewable 100% (再エネ100%)"),
    ('effectively_renewable', "Effectively Renewable 100% (実質再エネ100%)"),
    ('co2_free', "Effectively CO₂-free (実質CO₂ゼロ)"),
    ]
# staff labels; the bill and the portal print power_core's Japanese ones
SOURCES = [
    ('hydro', "Hydro (30 MW and Over)"),
    ('coal', "Coal"),
    ('lng', "LNG"),
    ('oil', "Oil"),
    ('nuclear', "Nuclear"),
    ('fit', "FIT Electricity"),
    ('solar', "Renewable: Solar"),
    ('wind', "Renewable: Wind"),
    ('geothermal', "Renewable: Geothermal"),
    ('biomass', "Renewable: Biomass"),
    ('small_hydro', "Renewable: Hydro under 30 MW"),
    ('jepx', "Power Exchange (JEPX)"),
    ('other', "Other"),
    ]


def fiscal_year(date):
    "The Japanese fiscal year (April to March) of date, named by its April."
    return date.year if date.month >= 4 else date.year - 1


class PowerMix(CompanyDefault, ModelSQL, ModelView):
    "Power Source Mix"
    __name__ = 'power.power_mix'
    company = fields.Many2One('company.company', "Company", required=True,
        ondelete='RESTRICT')
    menu = fields.Many2One('power.rate_menu', "Rate Menu",
        ondelete='RESTRICT',
        help="Empty: all the retailer's sales (or the menus without their "
        "own mix).")
    fiscal_year = fields.Integer("Fiscal Year", required=True,
        help="April to March, named by its April (2024: 2024-04 to "
        "2025-03).")
    kind = fields.Selection(KINDS, "Kind", required=True)
    lines = fields.One2Many('power.power_mix.line', 'mix', "Sources")
    adjusted_factor = fields.Numeric(
        "Adjusted CO₂ Emission Factor (kg-CO₂/kWh)", digits=(4, 3),
        required=True, help="調整後排出係数 as published by the Ministry of "
        "the Environment for the fiscal year (or planned).")
    basic_factor = fields.Numeric(
        "Basic CO₂ Emission Factor (kg-CO₂/kWh)", digits=(4, 3),
        help="基礎排出係数.")
    certificate_share = fields.Numeric(
        "Non-fossil Certificates (% of Sales)", digits=(5, 1), required=True,
        help="The share of the kWh sold covered by non-fossil certificates "
        "(非化石証書).")
    tracked = fields.Boolean("Tracked Certificates",
        help="The certificates carry tracking (トラッキング付): the power "
        "plants they come from are known.")
    claim = fields.Selection(CLAIMS, "Claim",
        help="What the menu is sold as; the guideline's conditions are "
        "checked on save.")
    source = fields.Char("Source", required=True,
        help="Where the retailer published this disclosure (its page, "
        "the date).")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('fiscal_year', 'DESC'), ('menu', 'ASC NULLS FIRST'),
            ('kind', 'ASC'), ('id', 'DESC')]
        t = cls.__table__()
        cls._sql_constraints += [
            ('mix_unique', Unique(t, t.company, t.menu, t.fiscal_year,
                    t.kind), 'power_billing.msg_power_mix_unique'),
            ]

    @classmethod
    def default_kind(cls):
        return 'result'

    @classmethod
    def default_certificate_share(cls):
        return Decimal(0)

    @classmethod
    def default_claim(cls):
        return ''

    def get_rec_name(self, name):
        menu = self.menu.rec_name if self.menu else '*'
        return f'{menu} FY{self.fiscal_year} {self.kind}'

    def core(self):
        "The power_core Mix (checked by the guideline's rules)."
        return core.Mix(fiscal_year=self.fiscal_year, kind=self.kind,
            shares=tuple((l.source, l.share) for l in self.lines),
            adjusted_factor=self.adjusted_factor,
            basic_factor=self.basic_factor,
            certificate_share=self.certificate_share or Decimal(0),
            tracked=bool(self.tracked), claim=self.claim or '',
            menu=self.menu.name if self.menu else '', source=self.source)

    @classmethod
    def validate(cls, mixes):
        super().validate(mixes)
        for mix in mixes:
            try:
                mix.core()
            except PowerCoreError as exception:
                raise PowerMixError(gettext(
                        'power_billing.msg_power_mix_invalid',
                        mix=mix.rec_name, reason=exception.reason)
                    ) from exception

    @classmethod
    def shown(cls, menu, date):
        """The core Mix a bill of menu for a period ending on date shows,
        or None: a menu sold with a claim shows the plan of the fiscal
        year of date; any other the latest result before that fiscal year,
        its own or, lacking one, that of all sales."""
        year = fiscal_year(date)
        company = Transaction().context.get('company')
        for domain in (
                [('menu', '=', menu.id), ('kind', '=', 'plan'),
                    ('fiscal_year', '=', year), ('claim', '!=', '')],
                [('menu', '=', menu.id), ('kind', '=', 'result'),
                    ('fiscal_year', '<', year)],
                [('menu', '=', None), ('kind', '=', 'result'),
                    ('fiscal_year', '<', year)]):
            if company:
                domain.append(('company', '=', company))
            mixes = cls.search(domain, order=[('fiscal_year', 'DESC')],
                limit=1)
            if mixes:
                return mixes[0].core()
        return None


class PowerMixLine(ModelSQL, ModelView):
    "Power Source Mix Line"
    __name__ = 'power.power_mix.line'
    mix = fields.Many2One('power.power_mix', "Power Mix", required=True,
        ondelete='CASCADE')
    source = fields.Selection(SOURCES, "Source", required=True)
    share = fields.Numeric("Share (%)", digits=(5, 1), required=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('mix', 'ASC'), ('id', 'ASC')]


class RateMenu(metaclass=PoolMeta):
    __name__ = 'power.rate_menu'
    power_mixes = fields.One2Many('power.power_mix', 'menu',
        "Power Source Mixes")


class DisclosureStart(ModelView):
    "Power Mix Disclosure"
    __name__ = 'power.power_mix.disclosure.start'
    fiscal_year = fields.Integer("Fiscal Year", required=True)

    @classmethod
    def default_fiscal_year(cls):
        return fiscal_year(Pool().get('ir.date').today()) - 1


class DisclosureResult(FileResult, ModelView):
    "Power Mix Disclosure"
    __name__ = 'power.power_mix.disclosure.result'


class Disclosure(FileWizard):
    """The yearly disclosure: each menu's result for the fiscal year, the
    kWh it sold (its bills read in the fiscal year) and the
    retailer-wide mix and factor weighted by them (XLSX)."""
    __name__ = 'power.power_mix.disclosure'
    start, result = file_states(
        'power.power_mix.disclosure', 'power_billing.power_mix_disclosure')

    def produce(self):
        year = self.start.fiscal_year
        data = disclosure_xlsx(year, *sold_and_mixes(year))
        filename = f'power-mix-FY{year}.xlsx'
        Pool().get('power.report.output').record(
            f'Power Mix Disclosure FY{year}', filename, data, kind='export')
        return filename, data


def sold_and_mixes(year):
    """([(menu name, kWh sold, core Mix)], mix of all sales or None) of the
    fiscal year: the kWh of the bills in force (cancelled ones left out)
    whose reading day falls in it; a menu without its own result is weighed
    with the mix of all sales, and a missing one is an error naming it."""
    pool = Pool()
    Determinant = pool.get('power.billing.determinant')
    Menu = pool.get('power.rate_menu')
    Mix = pool.get('power.power_mix')
    determinant = Determinant.__table__()
    cursor = Transaction().connection.cursor()
    cursor.execute(*determinant.select(determinant.menu,
            Sum(determinant.kwh),
            where=(determinant.state == 'billed')
            & (determinant.end >= dt.date(year, 4, 1))
            & (determinant.end < dt.date(year + 1, 4, 1)),
            group_by=[determinant.menu]))
    sold = {menu_id: Decimal(kwh or 0) for menu_id, kwh in cursor}
    results = {m.menu.id if m.menu else None: m.core()
        for m in Mix.search([('fiscal_year', '=', year),
                ('kind', '=', 'result')])}
    rows = []
    for menu in Menu.browse(sorted(sold)):
        mix = results.get(menu.id) or results.get(None)
        if mix is None:
            raise PowerMixError(gettext('power_billing.msg_power_mix_missing',
                    menu=menu.rec_name, year=year))
        rows.append((menu.name, sold[menu.id], mix))
    return rows, results.get(None)


def disclosure_xlsx(year, rows, overall):
    "The disclosure workbook (xlsxwriter): one sheet, menus then the total."
    import xlsxwriter
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {'in_memory': True})
    sheet = book.add_worksheet(f'電源構成 {year}年度')
    bold = book.add_format({'bold': True})
    percent = book.add_format({'num_format': '0.0'})
    kwh = book.add_format({'num_format': '#,##0'})
    factor = book.add_format({'num_format': '0.000'})
    codes = core.SOURCES
    sheet.write_row(0, 0, [f'電源構成の開示 {year}年度実績（%）'], bold)
    sheet.write_row(2, 0, ['料金メニュー', '販売電力量（kWh）']
        + [core.LABELS[c] for c in codes]
        + ['非化石証書（%）', '調整後排出係数（kg-CO2/kWh）'], bold)
    line = 3
    for name, sold, mix in rows:
        shares = dict(mix.shares)
        sheet.write(line, 0, name)
        sheet.write_number(line, 1, sold, kwh)
        for column, code in enumerate(codes, 2):
            sheet.write_number(line, column, shares.get(code, 0), percent)
        sheet.write_number(line, len(codes) + 2, mix.certificate_share,
            percent)
        sheet.write_number(line, len(codes) + 3, mix.adjusted_factor, factor)
        line += 1
    if rows:
        shares, weighted_factor = core.weighted(
            [(mix, sold) for _, sold, mix in rows])
        shares = dict(shares)
        sheet.write(line, 0, '全メニュー（販売電力量で加重）', bold)
        sheet.write_number(line, 1, sum(s for _, s, _ in rows), kwh)
        for column, code in enumerate(codes, 2):
            sheet.write_number(line, column, shares.get(code, 0), percent)
        sheet.write_number(line, len(codes) + 3, weighted_factor, factor)
        line += 1
    line += 1
    notes = (overall.explanations() if overall else []) + [
        f'出典：{mix.source}' for _, _, mix in rows if mix.source]
    for note in dict.fromkeys(notes):
        sheet.write(line, 0, note)
        line += 1
    sheet.set_column(0, 0, 28)
    sheet.set_column(1, len(codes) + 3, 12)
    book.close()
    return out.getvalue()
