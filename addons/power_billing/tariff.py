# This file is part of the power retailer CIS.  The COPYRIGHT file at the
# top level of this repository contains the full copyright notices and license terms.
"""Rate menus as business users define them: dated versions made of
components, each version with test cases that must pass before it is
activated. The records are turned into power_core's menu classes and rated
by the same engine as simulation and billing."""
import datetime as dt
from decimal import Decimal, InvalidOperation

from power_core.errors import PowerCoreError
from power_core.tariff import menu as core_menu
from power_core.tariff.rating import Usage, rate
from power_core.tariff.regulated import RegulatedValues

from trytond.i18n import gettext
from trytond.model import (
    ModelSQL, ModelView, Unique, Workflow, fields, sequence_ordered)
from trytond.modules.power_cis.common import (
    FileResult, closing, dialog, transition)
from trytond.pool import Pool, PoolMeta
from trytond.pyson import Eval
from trytond.wizard import StateTransition, Wizard

from .exceptions import MenuComponentError, MenuVersionError

KINDS = [
    ('basic_table', "Basic Charge by Capacity Table"),
    ('basic_per_unit', "Basic Charge per A / kVA / kW"),
    ('demand_basic', "Basic Charge by Demand (実量制)"),
    ('energy_tiers', "Tiered Energy Charge"),
    ('tou_energy', "Time-of-Use Energy Charge"),
    ('fuel_adjustment', "Fuel Cost Adjustment"),
    ('subsidy', "Government Subsidy"),
    ('discount_percent', "Percentage Discount"),
    ('fixed', "Fixed Amount / Campaign Credit"),
    ('minimum', "Minimum Charge"),
    ('formula', "Formula"),
    ('renewable_surcharge', "Renewable Energy Surcharge"),
    ('market_energy', "Market-Linked Energy Charge (JEPX)"),
    ('capacity_contribution', "Capacity Contribution (容量拠出金相当額)"),
    ]
_DRAFT = {'readonly': Eval('state') != 'draft'}
FORMULA_NAMES = {'kwh', 'capacity', 'days', 'period_days', 'month',
    'max_demand', 'power_factor', 'contract_demand', 'summer_days',
    'other_days', 'market_average'}


def parse_pairs(text, what):
    """'120=29.80' lines into [(key, value)]; an empty key means 'and above'.

    >>> parse_pairs('120=29.80\\n300 = 36.40\\n=40.49', 'tiers')
    [('120', '29.80'), ('300', '36.40'), ('', '40.49')]
    """
    pairs = []
    for number, line in enumerate((text or '').splitlines(), 1):
        line = line.strip()
        if not line:
            continue
        if '=' not in line:
            raise ValueError(f"{what} line {number} {line!r}: write KEY=VALUE")
        key, value = (p.strip() for p in line.split('=', 1))
        try:
            Decimal(value)
            if key:
                Decimal(key)
        except InvalidOperation:
            raise ValueError(
                f"{what} line {number} {line!r}: not a number") from None
        pairs.append((key, value))
    return pairs


def parse_tou_bands(text):
    r"""Time-of-use bands from lines code(label)=price[/summer price].

    >>> parse_tou_bands('night(夜間)=27.86\nday(昼間)=38.44/40.76')[1]
    {'code': 'day', 'label': '昼間', 'price': '38.44', 'summer_price': '40.76'}
    """
    bands = []
    for number, line in enumerate(text.splitlines(), 1):
        line = line.strip()
        if not line:
            continue
        if '=' not in line:
            raise ValueError(f"band line {number} {line!r}: write "
                "code(label)=price")
        key, value = (p.strip() for p in line.split('=', 1))
        code, _, label = key.partition('(')
        price, _, summer = value.partition('/')
        try:
            Decimal(price)
            if summer:
                Decimal(summer)
        except InvalidOperation:
            raise ValueError(
                f"band line {number} {line!r}: not a number") from None
        bands.append({'code': code.strip(), 'label': label.rstrip(')') or
                code.strip(), 'price': price.strip(),
                'summer_price': summer.strip() or None})
    return bands


def parse_tou_rules(text):
    r"""Band hours from lines band=from-to [weekday|holiday].

    >>> parse_tou_rules('night=23-7\npeak=13-16 weekday')
    [{'band': 'night', 'hours': [23, 7], 'days': 'all'}, {'band': 'peak', 'hours': [13, 16], 'days': 'weekday'}]
    """
    rules = []
    for number, line in enumerate(text.splitlines(), 1):
        line = line.strip()
        if not line:
            continue
        try:
            band, rest = (p.strip() for p in line.split('=', 1))
            hours, *days = rest.split()
            start, end = (float(h) for h in hours.split('-'))
            days = days[0] if days else 'all'
            if days not in {'all', 'weekday', 'holiday'}:
                raise ValueError(days)
        except ValueError:
            raise ValueError(f"band hours line {number} {line!r}: write "
                "band=from-to [weekday|holiday]") from None
        rules.append({'band': band,
                'hours': [int(start) if start.is_integer() else start,
                    int(end) if end.is_integer() else end], 'days': days})
    return rules


def parse_pairs_named(text):
    """Lines or commas of code=amount into {code: Decimal}.

    >>> parse_pairs_named('basic=935.25, energy_1=3576')
    {'basic': Decimal('935.25'), 'energy_1': Decimal('3576')}
    """
    return parse_bands(text.replace('\n', ','), "expected line", "CODE=amount")


def parse_bands(text, what="kWh per band", form="BAND=kWh"):
    """'night=100, day=200' into {'night': Decimal('100'), ...}.

    >>> parse_bands('night=100, day=200.5')
    {'night': Decimal('100'), 'day': Decimal('200.5')}
    """
    bands = {}
    for part in text.split(','):
        if not part.strip():
            continue
        if '=' not in part:
            raise ValueError(f"{what} {part.strip()!r}: write {form}")
        band, value = (p.strip() for p in part.split('=', 1))
        try:
            bands[band] = Decimal(value)
        except InvalidOperation:
            raise ValueError(
                f"{what} {part.strip()!r}: not a number") from None
    return bands


class RateMenu(metaclass=PoolMeta):
    __name__ = 'power.rate_menu'
    versions = fields.One2Many(
        'power.rate_menu.version', 'menu', "Versions")

    @classmethod
    def import_data_pack(cls, folder=None):
        """Create the menus of the shipped data pack (or of folder) with
        their versions, components and test cases; verify each new version
        and activate it when its cases pass. Existing versions are left as
        they are. Return the new versions."""
        import json
        from pathlib import Path

        from power_core.data import MENUS
        pool = Pool()
        Version = pool.get('power.rate_menu.version')
        GridArea = pool.get('power.grid_area')
        created = []
        for path in sorted(Path(folder or MENUS).glob('*.json')):
            data = json.loads(path.read_text(encoding='utf-8'))
            menus = cls.search([('code', '=', data['code'])], limit=1)
            if menus:
                menu, = menus
            else:
                # an incumbent's menu is offered in its own area only
                areas = GridArea.search(
                    [('code', 'in', data.get('areas', []))])
                menu, = cls.create([{
                            'code': data['code'], 'name': data['name'],
                            'customer_class': data['customer_class'],
                            'capacity_unit': data['capacity_unit'],
                            'capacity_options': [('create', [
                                        {'capacity': Decimal(str(c))}
                                        for c in data.get('capacities', ())])],
                            'areas': [('add', [a.id for a in areas])],
                            }])
            known = {v.valid_from for v in menu.versions}
            for version in data['versions']:
                valid_from = dt.date.fromisoformat(version['valid_from'])
                if valid_from in known:
                    continue
                created += Version.create([{
                            'menu': menu.id,
                            'valid_from': valid_from,
                            'proration_denominator': str(version.get(
                                    'proration_denominator',
                                    'reading_period')),
                            'kwh_rounding': version.get(
                                'kwh_rounding', 'half_up'),
                            'total_rounding': version.get(
                                'total_rounding', 'down'),
                            'zero_usage_basic_half': version.get(
                                'zero_usage_basic_half', True),
                            'components': [('create', [
                                        _component_values(c, n)
                                        for n, c in enumerate(
                                            version['components'], 1)])],
                            'test_cases': [('create', [
                                        _test_case_values(t)
                                        for t in version.get('tests', ())])],
                            }])
        Version.verify(created)
        Version.activate([v for v in created if v.test_cases
                and all(c.result == 'pass' for c in v.test_cases)])
        return created

    def to_core(self, versions=None):
        "This menu for power_core, with its active versions (or versions)."
        if versions is None:
            versions = [v for v in self.versions if v.state == 'active']
        return core_menu.Menu(
            self.code, self.name, self.customer_class, self.capacity_unit,
            tuple(v.to_core() for v in versions),
            tuple(Decimal(o.capacity) for o in self.capacity_options))


def _pairs_text(pairs):
    return '\n'.join(f"{'' if k is None else k}={v}" for k, v in pairs)


def _component_values(data, sequence):
    "Component record values from a data pack component."
    values = {'sequence': sequence, 'code': data['code'],
        'label': data.get('label') or data['code'], 'kind': data['kind']}
    if 'unit_price' in data:
        values['unit_price'] = Decimal(str(data['unit_price']))
    if data['kind'] == 'market_energy':
        # the margin in the unit price, the loss rate in percent
        values['unit_price'] = Decimal(str(data.get('margin', 0)))
        values['percent'] = (Decimal(str(data['loss_rate'])) * 100
            ).normalize()
    if 'table' in data:
        values['pairs'] = _pairs_text(data['table'].items())
    if 'tiers' in data:
        values['pairs'] = _pairs_text(data['tiers'])
    if data.get('prorate_widths'):
        values['prorate_widths'] = True
    if 'summer_tiers' in data:
        values['summer_pairs'] = _pairs_text(data['summer_tiers'])
    if 'percent' in data:
        values['percent'] = Decimal(str(data['percent']))
    if 'targets' in data:
        values['targets'] = ', '.join(data['targets'])
    if 'amount' in data:
        values['amount'] = Decimal(str(data['amount']))
    for name in ('menu_type', 'customer_class', 'expression'):
        if name in data:
            values[name] = data[name]
    if 'voltage' in data:
        values['customer_class'] = data['voltage']
    if 'bands' in data:
        values['bands'] = '\n'.join(
            f"{b['code']}({b.get('label') or b['code']})={b['price']}"
            + (f"/{b['summer_price']}" if b.get('summer_price') else '')
            for b in data['bands'])
        values['rules'] = '\n'.join(
            f"{r['band']}={r['hours'][0]}-{r['hours'][1]}"
            + (f" {r['days']}" if r.get('days', 'all') != 'all' else '')
            for r in data.get('rules', ()))
    return values


def _test_case_values(data):
    "Test case record values from a data pack test."
    return {
        'name': data['name'],
        'capacity': Decimal(data['capacity']),
        'kwh': Decimal(data['kwh']),
        'period_start': dt.date.fromisoformat(data['period_start']),
        'period_end': dt.date.fromisoformat(data['period_end']),
        'fuel_adjustment': Decimal(data['fuel_adjustment']),
        'subsidy': Decimal(data['subsidy']),
        'renewable_surcharge': Decimal(data['renewable_surcharge']),
        'market_price': (Decimal(data['market_price'])
            if data.get('market_price') else None),
        'capacity_contribution': Decimal(
            data.get('capacity_contribution', 0)),
        'expected_total': data['expected_total'],
        'max_demand': (Decimal(data['max_demand'])
            if data.get('max_demand') else None),
        'power_factor': (Decimal(data['power_factor'])
            if data.get('power_factor') else None),
        'band_kwh': (', '.join(f'{k}={v}' for k, v in data['band_kwh'].items())
            if data.get('band_kwh') else None),
        }


def _sort_key(key):
    "Capacities and tier uppers in numeric order, the open tier last."
    return (key == '', Decimal(key) if key else Decimal(0))


class ExcelMixin:
    "The Excel link of a rate menu version (data for power_core.tariff.excel)."
    __slots__ = ()

    def excel_data(self):
        from power_core.tariff.excel import plain
        prices = {}
        for component in self.components:
            code = component.code
            if component.kind in {'basic_table', 'energy_tiers'}:
                for key, value in parse_pairs(component.pairs, code):
                    prices[(code, key)] = plain(Decimal(value))
                for key, value in parse_pairs(component.summer_pairs, code):
                    prices[(code, f'summer:{key}')] = plain(Decimal(value))
            for name in ('unit_price', 'percent', 'amount'):
                value = getattr(component, name)
                if value is not None and component.kind in {
                        'basic_per_unit': {'unit_price'},
                        'demand_basic': {'unit_price'},
                        'discount_percent': {'percent'},
                        'fixed': {'amount'}, 'minimum': {'amount'},
                        }.get(component.kind, set()):
                    prices[(code, name)] = plain(value)
        cases = {c.name: {
                'capacity': plain(c.capacity), 'kwh': plain(c.kwh),
                'period_start': c.period_start.isoformat(),
                'period_end': c.period_end.isoformat(),
                'fuel_adjustment': plain(c.fuel_adjustment),
                'renewable_surcharge': plain(c.renewable_surcharge),
                'subsidy': plain(c.subsidy),
                'expected_total': plain(c.expected_total)}
            for c in self.test_cases}
        return {'prices': prices, 'cases': cases}

    def apply_excel_data(self, data):
        "Write the prices and test cases of data into this draft version."
        pool = Pool()
        Component = pool.get('power.rate_menu.component')
        TestCase = pool.get('power.rate_menu.test_case')
        if self.state != 'draft':
            raise MenuVersionError(gettext(
                    'power_billing.msg_menu_version_not_draft',
                    version=self.rec_name))
        components = {c.code: c for c in self.components}
        unknown = {code for code, _ in data['prices']} - set(components)
        if unknown:
            raise MenuVersionError(gettext(
                    'power_billing.msg_menu_excel_unknown_component',
                    version=self.rec_name, codes=', '.join(sorted(unknown))))
        for code, component in components.items():
            rows = {key: value for (c, key), value in data['prices'].items()
                if c == code}
            values = {}
            pairs = sorted((k, v) for k, v in rows.items()
                if k not in {'unit_price', 'percent', 'amount'}
                and not k.startswith('summer:'))
            summer = sorted((k[7:], v) for k, v in rows.items()
                if k.startswith('summer:'))
            if component.kind in {'basic_table', 'energy_tiers'}:
                values['pairs'] = '\n'.join(f'{k}={v}' for k, v in sorted(
                        pairs, key=lambda p: _sort_key(p[0])))
                values['summer_pairs'] = '\n'.join(
                    f'{k}={v}' for k, v in sorted(
                        summer, key=lambda p: _sort_key(p[0]))) or None
            for name in ('unit_price', 'percent', 'amount'):
                if name in rows:
                    values[name] = rows[name]
            Component.write([component], values)
        existing = {c.name: c for c in self.test_cases}
        TestCase.delete([c for n, c in existing.items()
                if n not in data['cases']])
        for name, case in data['cases'].items():
            values = {**case,
                'period_start': dt.date.fromisoformat(case['period_start']),
                'period_end': dt.date.fromisoformat(case['period_end']),
                'expected_total': int(case['expected_total']),
                'result': None, 'result_total': None, 'difference': None}
            if name in existing:
                TestCase.write([existing[name]], values)
            else:
                TestCase.create([{'version': self.id, 'name': name,
                            **values}])


class MenuVersion(ExcelMixin, Workflow, ModelSQL, ModelView):
    "Rate Menu Version"
    __name__ = 'power.rate_menu.version'
    _history = True
    menu = fields.Many2One(
        'power.rate_menu', "Rate Menu", required=True, ondelete='CASCADE',
        states=_DRAFT)
    valid_from = fields.Date("Valid From", required=True, states=_DRAFT)
    proration_denominator = fields.Selection([
            ('reading_period', "Days of the Meter Reading Period"),
            ('start_month', "Days of the Start Month"),
            ('30', "30 Days"),
            ], "Pro-rating Denominator", required=True, states=_DRAFT,
        help="日割: days used are divided by this. The meter reading "
        "period (検針期間の日数; the days of the month, 暦日数, where the "
        "supply started between two readings or the period is irregular) "
        "is the incumbents' supply terms: the parts of a period split by a "
        "price or capacity change add up to one month.")
    zero_usage_basic_half = fields.Boolean(
        "Half Basic Charge Without Usage", states=_DRAFT)
    kwh_rounding = fields.Selection([
            ('half_up', "Half Up (四捨五入)"),
            ('down', "Down (切り捨て)"),
            ('up', "Up (切り上げ)"),
            ], "kWh Rounding", required=True, states=_DRAFT,
        help="How usage is rounded to whole kWh.")
    total_rounding = fields.Selection([
            ('down', "Down (切り捨て)"),
            ('half_up', "Half Up (四捨五入)"),
            ], "Total Rounding", required=True, states=_DRAFT,
        help="How the sum of basic, energy and adjustments is rounded to "
        "the yen (the renewable surcharge is always rounded down on its "
        "own).")
    components = fields.One2Many(
        'power.rate_menu.component', 'version', "Components", states=_DRAFT)
    test_cases = fields.One2Many(
        'power.rate_menu.test_case', 'version', "Test Cases")
    verified = fields.Function(
        fields.Char("Verification"), 'get_verified')
    state = fields.Selection([
            ('draft', "Draft"),
            ('active', "Active"),
            ], "State", readonly=True, required=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.__access__.add('menu')
        t = cls.__table__()
        cls._sql_constraints += [
            ('menu_valid_from_unique', Unique(t, t.menu, t.valid_from),
                'power_billing.msg_menu_version_unique'),
            ]
        cls._order = [('menu', 'ASC'), ('valid_from', 'DESC'), ('id', 'DESC')]
        cls._transitions |= {('draft', 'active'), ('active', 'draft')}
        cls._buttons.update({
                'verify': {'depends': ['state']},
                'activate': {
                    'invisible': Eval('state') != 'draft',
                    'depends': ['state'],
                    },
                'draft': {
                    'invisible': Eval('state') != 'active',
                    'icon': 'tryton-back',
                    'depends': ['state'],
                    },
                })

    @classmethod
    def default_state(cls):
        return 'draft'

    @classmethod
    def default_proration_denominator(cls):
        return 'reading_period'

    @classmethod
    def default_zero_usage_basic_half(cls):
        return True

    @classmethod
    def default_kwh_rounding(cls):
        return 'half_up'

    @classmethod
    def default_total_rounding(cls):
        return 'down'

    def get_rec_name(self, name):
        return f'{self.menu.rec_name} {self.valid_from}'

    def get_verified(self, name):
        states = [c.result for c in self.test_cases]
        if not states:
            return ''
        passed = states.count('pass')
        return f'{passed}/{len(states)}'

    def line_names(self, exclude=None):
        """The names a formula may use for the other components: their
        amounts by code, and kWh by tier or band (kwh_energy_1,
        kwh_energy_night)."""
        names = set()
        for component in self.components:
            if component == exclude or component.kind == 'formula':
                continue
            names.add(component.code)
            if component.kind == 'energy_tiers':
                count = len(parse_pairs(component.pairs, component.code))
                names |= {f'kwh_{component.code}_{n}'
                    for n in range(1, count + 1)}
            elif component.kind == 'tou_energy':
                names |= {f"kwh_{component.code}_{b['code']}"
                    for b in parse_tou_bands(component.bands or '')}
        return names

    def to_core(self):
        return core_menu.Version(
            self.valid_from, tuple(c.to_core() for c in self.components),
            self.proration_denominator, bool(self.zero_usage_basic_half),
            self.kwh_rounding or 'half_up', self.total_rounding or 'down')

    @classmethod
    @ModelView.button
    def verify(cls, versions):
        "Run every test case of versions and record pass or fail."
        TestCase = Pool().get('power.rate_menu.test_case')
        TestCase.run([c for v in versions for c in v.test_cases])

    @classmethod
    @ModelView.button
    @transition('active')
    def activate(cls, versions):
        "A version is activated only when all its test cases pass."
        cls.verify(versions)
        for version in versions:
            if not version.test_cases:
                raise MenuVersionError(gettext(
                        'power_billing.msg_menu_version_no_test',
                        version=version.rec_name))
            failed = [c for c in version.test_cases if c.result != 'pass']
            if failed:
                raise MenuVersionError(gettext(
                        'power_billing.msg_menu_version_failing',
                        version=version.rec_name,
                        cases=', '.join(c.name for c in failed)))

    @classmethod
    @ModelView.button
    @transition('draft')
    def draft(cls, versions):
        pass


class MenuComponent(sequence_ordered(), ModelSQL, ModelView):
    "Rate Menu Component"
    __name__ = 'power.rate_menu.component'
    _history = True
    version = fields.Many2One(
        'power.rate_menu.version', "Version", required=True,
        ondelete='CASCADE')
    code = fields.Char("Code", required=True,
        help="Names the component's lines and its amount in formulas.")
    label = fields.Char("Label", required=True, translate=True,
        help="As printed on the bill.")
    kind = fields.Selection(KINDS, "Kind", required=True)
    unit_price = fields.Numeric("Unit Price", digits=(16, 4),
        states={'invisible': ~Eval('kind').in_(
                ['basic_per_unit', 'demand_basic', 'market_energy'])},
        help="Per A / kVA / kW for a basic charge; the margin in yen/kWh "
        "(tax excluded) added to the market price of a market-linked "
        "energy charge.")
    pairs = fields.Text(
        "Prices", states={'invisible': ~Eval('kind').in_(
                ['basic_table', 'energy_tiers'])},
        help="One KEY=PRICE per line: capacity=monthly basic charge, or "
        "upper kWh=price per kWh with an empty upper for the last tier "
        "(e.g. 120=29.80, 300=36.40, =40.49).")
    prorate_widths = fields.Boolean("Pro-rate Tier Widths",
        states={'invisible': Eval('kind') != 'energy_tiers'},
        help="日割 scales each tier's width (Kansai's terms: 15 of 30 days "
        "make 105 kWh 53 kWh) instead of each tier's upper limit.")
    summer_pairs = fields.Text(
        "Summer Prices", states={'invisible': Eval('kind') != 'energy_tiers'},
        help="Tiers used for usage months in July to September; empty for "
        "no season.")
    percent = fields.Numeric("Percent", digits=(16, 2),
        states={'invisible': ~Eval('kind').in_(
                ['discount_percent', 'market_energy'])},
        help="The discount, or the grid loss rate of a market-linked "
        "energy charge (each half hour's price is divided by 1 − rate).")
    targets = fields.Char("Applies To",
        states={'invisible': ~Eval('kind').in_(
                ['discount_percent', 'minimum'])},
        help="Component codes, separated by commas.")
    amount = fields.Numeric("Amount", digits=(16, 2),
        states={'invisible': ~Eval('kind').in_(['fixed', 'minimum'])})
    menu_type = fields.Selection([
            (None, ''),
            ('regulated', "Regulated (capped)"),
            ('free', "Free"),
            ], "Fuel Adjustment Type",
        states={'invisible': Eval('kind') != 'fuel_adjustment'})
    customer_class = fields.Selection([
            (None, ''),
            ('low', "Low Voltage"),
            ('high', "High Voltage"),
            ], "Voltage Class",
        states={'invisible': ~Eval('kind').in_(
                ['subsidy', 'fuel_adjustment'])},
        help="The voltage class whose fuel cost adjustment or subsidy "
        "unit price applies (low voltage when empty).")
    bands = fields.Text(
        "Bands", states={'invisible': Eval('kind') != 'tou_energy'},
        help="One band per line: code(label)=price or code(label)=price/"
        "summer price, e.g. day(昼間)=38.44/40.76; the last band takes the "
        "hours no rule gives to another.")
    rules = fields.Text(
        "Band Hours", states={'invisible': Eval('kind') != 'tou_energy'},
        help="One rule per line: band=from-to [weekday|holiday], e.g. "
        "night=23-7; the first matching rule wins.")
    expression = fields.Text(
        "Formula", states={'invisible': Eval('kind') != 'formula'},
        help="An expression over kwh, capacity, days, period_days, month, "
        "max_demand, contract_demand (the highest of this month's and the "
        "previous 11 months' maximum demand), power_factor, summer_days and "
        "other_days (the period's days in July to September and in the "
        "other months), market_average (the period's average JEPX area "
        "price, for a retailer's own fuel adjustment), the amounts of other components by code "
        "and kWh by tier or band (kwh_energy_1, kwh_energy_night), with "
        "+ - * /, min, max, round_down, round_half_up, round_up, "
        "IF(condition, then, else).")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.__access__.add('version')

    def to_core(self):
        params = {}
        if self.kind in {'basic_per_unit', 'demand_basic'}:
            params['unit_price'] = str(self.unit_price or 0)
        elif self.kind == 'basic_table':
            params['table'] = dict(parse_pairs(self.pairs, self.code))
        elif self.kind == 'energy_tiers':
            params['tiers'] = [[int(Decimal(k)) if k else None, v]
                for k, v in parse_pairs(self.pairs, self.code)]
            if self.summer_pairs:
                params['summer_tiers'] = [[int(Decimal(k)) if k else None, v]
                    for k, v in parse_pairs(self.summer_pairs, self.code)]
                params['summer_months'] = [7, 8, 9]
            if self.prorate_widths:
                params['prorate_widths'] = True
        elif self.kind == 'discount_percent':
            params.update(percent=str(self.percent or 0), targets=[
                    t.strip() for t in (self.targets or '').split(',')
                    if t.strip()])
        elif self.kind in {'fixed', 'minimum'}:
            params['amount'] = str(self.amount or 0)
            if self.kind == 'minimum' and self.targets:
                params['targets'] = [t.strip()
                    for t in self.targets.split(',') if t.strip()]
        elif self.kind == 'fuel_adjustment':
            params['menu_type'] = self.menu_type or 'free'
            params['voltage'] = self.customer_class or 'low'
        elif self.kind == 'subsidy':
            params['customer_class'] = self.customer_class or 'low'
        elif self.kind == 'formula':
            params['expression'] = self.expression or ''
        elif self.kind == 'market_energy':
            params.update(loss_rate=str((self.percent or 0) / 100),
                margin=str(self.unit_price or 0))
        elif self.kind == 'tou_energy':
            params.update(bands=parse_tou_bands(self.bands or ''),
                rules=parse_tou_rules(self.rules or ''),
                summer_months=[7, 8, 9])
        return core_menu.Component(self.code, self.kind, self.label, params)

    @classmethod
    def validate_fields(cls, components, field_names):
        super().validate_fields(components, field_names)
        for component in components:
            component.check_core()

    def check_core(self):
        "Refuse a component the engine cannot use, saying why and where."
        try:
            component = self.to_core()
            if self.kind == 'formula':
                from power_core.tariff.formula import Formula
                earlier = {c.code for c in self.version.components
                    if c.sequence is not None and self.sequence is not None
                    and c.sequence < self.sequence}
                Formula(self.expression or '').check(
                    FORMULA_NAMES | earlier | self.version.line_names(self))
            elif self.kind == 'tou_energy' and not component.params['bands']:
                raise ValueError("give at least one band")
            elif self.kind in {'basic_table', 'energy_tiers'} and not (
                    component.params.get('table')
                    or component.params.get('tiers')):
                raise ValueError("give at least one KEY=PRICE line")
        except (PowerCoreError, ValueError) as e:
            raise MenuComponentError(gettext(
                    'power_billing.msg_menu_component_invalid',
                    component=self.code, reason=str(e))) from e


class MenuTestCase(ModelSQL, ModelView):
    "Rate Menu Test Case"
    __name__ = 'power.rate_menu.test_case'
    version = fields.Many2One(
        'power.rate_menu.version', "Version", required=True,
        ondelete='CASCADE')
    name = fields.Char("Name", required=True)
    capacity = fields.Numeric("Capacity", digits=(16, 1), required=True)
    kwh = fields.Numeric("kWh", digits=(16, 1), required=True)
    period_start = fields.Date("Period Start", required=True)
    period_end = fields.Date("Period End", required=True,
        help="The next reading day (excluded); its month is the charge "
        "month.")
    max_demand = fields.Numeric("Maximum Demand (kW)", digits=(16, 1))
    band_kwh = fields.Char(
        "kWh per Band", help="For time-of-use menus: band=kWh separated by "
        "commas, e.g. night=100, day=200.")
    power_factor = fields.Numeric("Power Factor (%)", digits=(16, 1))
    fuel_adjustment = fields.Numeric(
        "Fuel Adjustment (yen/kWh)", digits=(16, 2), required=True)
    renewable_surcharge = fields.Numeric(
        "Renewable Surcharge (yen/kWh)", digits=(16, 2), required=True)
    subsidy = fields.Numeric("Subsidy (yen/kWh)", digits=(16, 2),
        required=True)
    capacity_contribution = fields.Numeric(
        "Capacity Contribution (yen/kWh)", digits=(16, 2), required=True)
    market_price = fields.Numeric("JEPX Area Price (yen/kWh)",
        digits=(16, 2),
        help="For market-linked menus: one area price (tax excluded) for "
        "every half hour of the case.")
    expected_total = fields.Integer("Expected Total (yen)", required=True)
    expected_lines = fields.Text(
        "Expected Lines",
        help="Optional: one line code=amount per line to check as well, "
        "e.g. basic=935.25, energy_1=3576.00 (the codes shown under Lines).")
    result_total = fields.Integer("Result (yen)", readonly=True)
    difference = fields.Integer("Difference (yen)", readonly=True)
    detail = fields.Text("Lines", readonly=True)
    result = fields.Selection([
            (None, "Not Run"),
            ('pass', "Pass"),
            ('fail', "Fail"),
            ], "Result", readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.__access__.add('version')

    @classmethod
    def default_fuel_adjustment(cls):
        return Decimal(0)

    @classmethod
    def default_renewable_surcharge(cls):
        return Decimal(0)

    @classmethod
    def default_subsidy(cls):
        return Decimal(0)

    @classmethod
    def default_capacity_contribution(cls):
        return Decimal(0)

    @classmethod
    def run(cls, cases):
        "Rate each case with its version alone; record result and lines."
        for case in cases:
            version = case.version
            menu = version.menu.to_core(versions=[version])
            try:
                bands = (parse_bands(case.band_kwh)
                    if case.band_kwh else None)
                usage = Usage(case.period_start, case.period_end,
                    Decimal(case.kwh), Decimal(case.capacity),
                    max_demand=case.max_demand,
                    power_factor=case.power_factor, band_kwh=bands)
                bill = rate(menu, usage, RegulatedValues(), {
                        'fuel_adjustment': case.fuel_adjustment,
                        'renewable_surcharge': case.renewable_surcharge,
                        'subsidy': case.subsidy,
                        'capacity_contribution': case.capacity_contribution,
                        'market_price': case.market_price})
            except (PowerCoreError, ValueError) as e:
                case.result_total = None
                case.difference = None
                case.detail = str(e)
                case.result = 'fail'
                continue
            case.result_total = bill.total
            case.difference = bill.total - case.expected_total
            amounts = {}
            for line in bill.lines:
                amounts[line.code] = amounts.get(line.code, 0) + line.amount
            mismatches = []
            try:
                expected = parse_pairs_named(case.expected_lines or '')
            except ValueError as e:
                expected, mismatches = {}, [str(e)]
            for code, amount in expected.items():
                got = amounts.get(code, Decimal(0))
                if got != amount:
                    mismatches.append(f'✗ {code}: expected {amount}, got '
                        f'{got} (difference {got - amount})')
            case.detail = '\n'.join(
                [f'{l.code} {l.label}: {l.quantity} × {l.unit_price} = '
                    f'{l.amount}' for l in bill.lines]
                + [f'合計 {bill.total}'] + mismatches)
            case.result = ('pass' if case.difference == 0 and not mismatches
                else 'fail')
        cls.save(cases)


class ExcelExportStart(FileResult, ModelView):
    "Export Rate Menu Version to Excel"
    __name__ = 'power.rate_menu.version.excel_export.start'


class ExcelExport(Wizard):
    "Export Rate Menu Version to Excel"
    __name__ = 'power.rate_menu.version.excel_export'
    start = closing('power.rate_menu.version.excel_export.start',
        'power_billing.menu_version_excel_export_start_view_form')

    def default_start(self, fields):
        from power_core.tariff.excel import export_xlsx
        ReportOutput = Pool().get('power.report.output')
        version = self.record
        content = export_xlsx(version.rec_name, version.excel_data())
        filename = f'{version.menu.code}-{version.valid_from}.xlsx'
        ReportOutput.record('Rate menu version (Excel)', filename, content,
            kind='export', resource=version)
        return {'file': content, 'filename': filename}


class ExcelImportStart(ModelView):
    "Import Rate Menu Version from Excel"
    __name__ = 'power.rate_menu.version.excel_import.start'
    file = fields.Binary("File", required=True)


class ExcelImportPreview(ModelView):
    "Import Rate Menu Version from Excel"
    __name__ = 'power.rate_menu.version.excel_import.preview'
    changes = fields.Text("Changes", readonly=True)


class ExcelImport(Wizard):
    "Import Rate Menu Version from Excel"
    __name__ = 'power.rate_menu.version.excel_import'
    start = dialog('power.rate_menu.version.excel_import.start',
        'power_billing.menu_version_excel_import_start_view_form',
        "Preview", 'preview', 'tryton-forward')
    preview = dialog('power.rate_menu.version.excel_import.preview',
        'power_billing.menu_version_excel_import_preview_view_form',
        "Apply", 'apply')
    apply = StateTransition()

    def _data(self):
        from power_core.tariff.excel import import_xlsx
        try:
            return import_xlsx(bytes(self.start.file))
        except PowerCoreError as e:
            raise MenuVersionError(gettext(
                    'power_billing.msg_menu_excel_invalid',
                    reason=str(e))) from e

    def default_preview(self, fields):
        from power_core.tariff.excel import differences
        changes = differences(self.record.excel_data(), self._data())
        return {'changes': '\n'.join(changes) or gettext(
                'power_billing.msg_menu_excel_no_change')}

    def transition_apply(self):
        self.record.apply_excel_data(self._data())
        return 'end'
