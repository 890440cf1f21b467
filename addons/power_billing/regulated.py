# This file is part of the power retailer CIS.  The COPYRIGHT file at the
# top level of this repository contains the full copyright notices and license terms.
"""Regulated values as dated data in the database: fuel cost adjustment unit
prices, the renewable energy surcharge and government subsidies. Staff edit
them in the web client or import them (Tryton's CSV import, or the data
pack); every change is kept in the record's history."""
import datetime as dt
from decimal import Decimal

from power_core.errors import PowerCoreError
from power_core.tariff import market
from power_core.tariff.market import MarketPrices
from power_core.tariff.regulated import (
    RegulatedValues, compare, label, month, read_file)

from trytond.i18n import gettext
from trytond.model import ModelSQL, ModelView, Unique, Workflow, fields
from trytond.model.exceptions import AccessError
from trytond.modules.power_cis.common import now as now_
from trytond.pool import Pool
from trytond.pyson import Eval
from trytond.transaction import Transaction

from .exceptions import RegulatedImportError

MENU_TYPES = [('regulated', "Regulated (capped)"), ('free', "Free")]
CLASSES = [('low', "Low Voltage"), ('high', "High Voltage")]


class _SourceMixin:
    "Every regulated value says where it was published."
    __slots__ = ()
    source = fields.Char("Source", required=True, strip=True,
        help="Where the value was published (the notice's address or "
        "title), or why a month has none.")


class _MonthMixin:
    __slots__ = ()

    @classmethod
    def preprocess_values(cls, mode, values):
        values = super().preprocess_values(mode, values)
        for name in ('charge_month', 'usage_month'):
            if values.get(name):
                values[name] = month(values[name])
        return values


class FuelAdjustment(_SourceMixin, _MonthMixin, ModelSQL, ModelView):
    "Fuel Cost Adjustment Unit Price"
    __name__ = 'power.regulated.fuel'
    _history = True
    area = fields.Many2One(
        'power.grid_area', "Grid Area", required=True, ondelete='RESTRICT')
    voltage = fields.Selection(CLASSES, "Voltage Class", required=True,
        help="Low voltage (低圧) and high voltage (高圧) have their own "
        "unit prices.")
    menu_type = fields.Selection(MENU_TYPES, "Menu Type", required=True)
    charge_month = fields.Date(
        "Charge Month", required=True,
        help="The month of the charges (X月分); stored as its first day.")
    price = fields.Numeric("Unit Price (yen/kWh)", digits=(16, 2),
        required=True, help="Tax included, before any subsidy.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints += [('area_voltage_month_unique',
                Unique(t, t.area, t.voltage, t.menu_type, t.charge_month),
                'power_billing.msg_regulated_unique')]
        cls._order = [('charge_month', 'DESC'), ('id', 'DESC')]

    @classmethod
    def __register__(cls, module):
        table_h = cls.__table_handler__(module)
        voltage_exists = table_h.column_exist('voltage')
        super().__register__(module)
        table_h = cls.__table_handler__(module)
        # Migration from 8.0.x: prices by voltage class, earlier rows were
        # low voltage; the unique key includes the voltage class
        if not voltage_exists:
            table = cls.__table__()
            cursor = Transaction().connection.cursor()
            cursor.execute(*table.update([table.voltage], ['low']))
        table_h.drop_constraint('key_unique')

    @classmethod
    def default_voltage(cls):
        return 'low'


class RenewableSurcharge(_SourceMixin, ModelSQL, ModelView):
    "Renewable Energy Surcharge"
    __name__ = 'power.regulated.renewable'
    _history = True
    fiscal_year = fields.Integer(
        "Fiscal Year", required=True,
        help="Applies to the May charges of this year to the next April "
        "charges (low voltage).")
    price = fields.Numeric("Unit Price (yen/kWh)", digits=(16, 2),
        required=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints += [('year_unique', Unique(t, t.fiscal_year),
                'power_billing.msg_regulated_unique')]
        cls._order = [('fiscal_year', 'DESC'), ('id', 'DESC')]


class Subsidy(_SourceMixin, _MonthMixin, ModelSQL, ModelView):
    "Government Subsidy Discount"
    __name__ = 'power.regulated.subsidy'
    _history = True
    customer_class = fields.Selection(CLASSES, "Customer Class",
        required=True)
    usage_month = fields.Date(
        "Usage Month", required=True,
        help="The month of use (X月使用分), billed the month after.")
    discount = fields.Numeric("Discount (yen/kWh)", digits=(16, 2),
        required=True, domain=[('discount', '>=', 0)],
        help="0 declares a month without a programme; a month not "
        "declared cannot be billed.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints += [('key_unique',
                Unique(t, t.customer_class, t.usage_month),
                'power_billing.msg_regulated_unique')]
        cls._order = [('usage_month', 'DESC'), ('id', 'DESC')]


class CapacityContribution(_SourceMixin, ModelSQL, ModelView):
    """Capacity Contribution Unit Price

    The retailer's pass-through of its capacity contribution to OCCTO
    (容量拠出金相当額) per kWh, by grid area and fiscal year (April to March
    of the charge month), for menus with a capacity contribution
    component."""
    __name__ = 'power.regulated.capacity'
    _history = True
    area = fields.Many2One(
        'power.grid_area', "Grid Area", required=True, ondelete='RESTRICT')
    fiscal_year = fields.Integer("Fiscal Year", required=True,
        help="April of this year to March of the next (charge months).")
    price = fields.Numeric("Unit Price (yen/kWh)", digits=(16, 2),
        required=True, domain=[('price', '>=', 0)])

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints += [('area_year_unique',
                Unique(t, t.area, t.fiscal_year),
                'power_billing.msg_regulated_unique')]
        cls._order = [('fiscal_year', 'DESC'), ('area', 'ASC'),
            ('id', 'DESC')]


class MarketPrice(_SourceMixin, ModelSQL, ModelView):
    """JEPX Area Price

    One delivery day's 48 day-ahead area prices (yen/kWh, tax excluded) of
    a grid area, for market-linked menus; imported from JEPX's published
    results (Import Published Values)."""
    __name__ = 'power.regulated.market_price'
    _history = True
    area = fields.Many2One(
        'power.grid_area', "Grid Area", required=True, ondelete='RESTRICT')
    date = fields.Date("Delivery Day", required=True)
    prices = fields.Text("Prices", required=True,
        help="The 48 half-hour prices of the day (time codes 1 to 48), "
        "separated by spaces.")
    average = fields.Function(fields.Numeric("Average", digits=(16, 2)),
        'get_summary')
    maximum = fields.Function(fields.Numeric("Highest", digits=(16, 2)),
        'get_summary')

    @classmethod
    def __setup__(cls):
        super().__setup__()
        t = cls.__table__()
        cls._sql_constraints += [('area_date_unique',
                Unique(t, t.area, t.date),
                'power_billing.msg_regulated_unique')]
        cls._order = [('date', 'DESC'), ('area', 'ASC'), ('id', 'DESC')]

    def day_prices(self):
        return tuple(Decimal(p) for p in (self.prices or '').split())

    def get_summary(self, name):
        prices = self.day_prices()
        if not prices:
            return None
        if name == 'maximum':
            return max(prices)
        return (sum(prices) / len(prices)).quantize(Decimal('0.01'))

    @classmethod
    def validate_fields(cls, records, field_names):
        super().validate_fields(records, field_names)
        for record in records:
            try:
                prices = record.day_prices()
            except ArithmeticError:
                prices = ()
            if len(prices) != market.SLOTS or min(prices) < 0:
                raise RegulatedImportError(gettext(
                        'power_billing.msg_market_price_invalid',
                        day=record.date, slots=market.SLOTS))


def prices_text(prices):
    "A day's prices as stored: 48 numbers separated by spaces."
    return ' '.join(f'{p:f}' for p in prices)


def _market_loader(area_code, month):
    "[(day, prices, source)] of an area's month, for MarketPrices."
    pool = Pool()
    Price = pool.get('power.regulated.market_price')
    end = (month + dt.timedelta(days=32)).replace(day=1)
    return [(p.date, p.day_prices(), p.source) for p in Price.search([
                ('area.code', '=', area_code),
                ('date', '>=', month), ('date', '<', end)])]


def regulated_values():
    """The regulated values of the database for the engine, read in SQL
    (each billing chunk reads them: thousands of monthly prices)."""
    pool = Pool()
    cursor = Transaction().connection.cursor()
    values = RegulatedValues(market=MarketPrices(loader=_market_loader))
    fuel = pool.get('power.regulated.fuel').__table__()
    area = pool.get('power.grid_area').__table__()
    cursor.execute(*fuel.join(area, condition=area.id == fuel.area).select(
            area.code, fuel.voltage, fuel.menu_type, fuel.charge_month,
            fuel.price))
    for code, voltage, menu_type, charge_month, price in cursor:
        values.fuel[(code, voltage, menu_type, sql_date(charge_month))] = (
            _decimal(price))
    renewable = pool.get('power.regulated.renewable').__table__()
    cursor.execute(*renewable.select(renewable.fiscal_year, renewable.price))
    for year, price in cursor:
        values.renewable[year] = _decimal(price)
    capacity = pool.get('power.regulated.capacity').__table__()
    cursor.execute(*capacity.join(area, condition=area.id == capacity.area
            ).select(area.code, capacity.fiscal_year, capacity.price))
    for code, year, price in cursor:
        values.capacity[(code, year)] = _decimal(price)
    subsidy = pool.get('power.regulated.subsidy').__table__()
    cursor.execute(*subsidy.select(subsidy.customer_class,
            subsidy.usage_month, subsidy.discount))
    for customer_class, usage_month, discount in cursor:
        values.subsidy[(customer_class, sql_date(usage_month))] = _decimal(
            discount)
    return values


def sql_date(value):
    "A Date column's value (SQLite gives a string)."
    return dt.date.fromisoformat(value) if isinstance(value, str) else value


def _decimal(value):
    "A Numeric column's value (SQLite may give a float or a string)."
    return value if isinstance(value, Decimal) else Decimal(str(value))


def import_regulated(folder=None):
    """Add the data pack's regulated values missing from the database;
    return the number added."""
    from power_core.data import REGULATED
    pool = Pool()
    GridArea = pool.get('power.grid_area')
    pack = RegulatedValues.from_folder(folder or REGULATED)
    known = regulated_values()
    areas = {a.code: a.id for a in GridArea.search([])}
    added = 0
    Fuel = pool.get('power.regulated.fuel')
    source = pack.sources.get
    rows = [{'area': areas[a], 'voltage': v, 'menu_type': t,
            'charge_month': m, 'price': p,
            'source': source(('fuel', (a, v, t, m)))}
        for (a, v, t, m), p in pack.fuel.items()
        if (a, v, t, m) not in known.fuel]
    Fuel.create(rows)
    added += len(rows)
    Renewable = pool.get('power.regulated.renewable')
    rows = [{'fiscal_year': y, 'price': p,
            'source': source(('renewable', y))}
        for y, p in pack.renewable.items() if y not in known.renewable]
    Renewable.create(rows)
    added += len(rows)
    Capacity = pool.get('power.regulated.capacity')
    rows = [{'area': areas[a], 'fiscal_year': y, 'price': p,
            'source': source(('capacity', (a, y)))}
        for (a, y), p in pack.capacity.items()
        if (a, y) not in known.capacity]
    Capacity.create(rows)
    added += len(rows)
    Subsidy_ = pool.get('power.regulated.subsidy')
    rows = [{'customer_class': c, 'usage_month': m, 'discount': d,
            'source': source(('subsidy', (c, m)))}
        for (c, m), d in pack.subsidy.items() if (c, m) not in known.subsidy]
    Subsidy_.create(rows)
    return added + len(rows)


IMPORT_STATES = [
    ('draft', "Draft"),
    ('reviewed', "Reviewed"),
    ('activated', "Activated"),
    ('cancelled', "Cancelled"),
    ]
TABLES = [
    (None, ''),
    ('fuel', "Fuel Cost Adjustment"),
    ('renewable', "Renewable Energy Surcharge"),
    ('subsidy', "Government Subsidy"),
    ('market', "JEPX Area Prices"),
    ('capacity', "Capacity Contribution"),
    ]
_IMPORT_DRAFT = {'readonly': Eval('state') != 'draft'}


class RegulatedImport(Workflow, ModelSQL, ModelView):
    """Regulated Value Import

    A month's published values as staff receive them (the agency's or the
    incumbent's table, saved as CSV or XLSX): Review reads the file and
    lists each value as new, changed or the same as in force, Activate
    writes the new and changed ones with their sources. A bad file is
    refused saying where and changes nothing; the file stays here to be
    looked at. Who activated what, when, is kept, and each value's own
    history too."""
    __name__ = 'power.regulated.import'
    _rec_name = 'name'
    name = fields.Char("File Name", required=True, states=_IMPORT_DRAFT)
    file = fields.Binary("File", filename='name', required=True,
        states=_IMPORT_DRAFT,
        help="CSV (UTF-8 or Shift_JIS) or XLSX whose first row names the "
        "columns of one table, as in the data pack: fuel adjustment (area, "
        "voltage, menu_type, charge_month, price, source), renewable "
        "surcharge (fiscal_year, price, source) or subsidy (customer_class, "
        "usage_month, discount, source).")
    table = fields.Selection(TABLES, "Table", readonly=True)
    state = fields.Selection(IMPORT_STATES, "State", readonly=True,
        required=True)
    lines = fields.One2Many('power.regulated.import.line', 'import_',
        "Values", readonly=True)
    new = fields.Function(fields.Integer("New"), 'get_counts')
    changed = fields.Function(fields.Integer("Changed"), 'get_counts')
    same = fields.Function(fields.Integer("Unchanged"), 'get_counts')
    activated_by = fields.Many2One('res.user', "Activated By", readonly=True)
    activated_at = fields.Timestamp("Activated At", readonly=True)

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls._order = [('create_date', 'DESC'), ('id', 'DESC')]
        cls._transitions |= {('draft', 'reviewed'), ('reviewed', 'draft'),
            ('reviewed', 'activated'), ('draft', 'cancelled'),
            ('reviewed', 'cancelled')}
        cls._buttons.update({
                'review': {
                    'invisible': Eval('state') != 'draft',
                    'icon': 'tryton-forward',
                    'depends': ['state'],
                    },
                'activate': {
                    'invisible': Eval('state') != 'reviewed',
                    'icon': 'tryton-ok',
                    'depends': ['state'],
                    },
                'draft': {
                    'invisible': Eval('state') != 'reviewed',
                    'icon': 'tryton-back',
                    'depends': ['state'],
                    },
                'cancel': {
                    'invisible': ~Eval('state').in_(['draft', 'reviewed']),
                    'icon': 'tryton-cancel',
                    'depends': ['state'],
                    },
                })

    @classmethod
    def default_state(cls):
        return 'draft'

    @classmethod
    def get_counts(cls, imports, names):
        result = {n: {i.id: 0 for i in imports} for n in names}
        for import_ in imports:
            for line in import_.lines:
                if line.kind in names:
                    result[line.kind][import_.id] += 1
        return result

    @classmethod
    def check_modification(cls, mode, imports, values=None, external=False):
        super().check_modification(
            mode, imports, values=values, external=external)
        if mode == 'delete':
            for import_ in imports:
                if import_.state == 'activated':
                    raise AccessError(gettext(
                            'power_billing.msg_regulated_import_delete',
                            import_=import_.rec_name))

    def read_values(self):
        "(table, RegulatedValues) of the file, or the module's user error."
        try:
            return read_file(bytes(self.file or b''), self.name or '')
        except PowerCoreError as e:
            raise RegulatedImportError(gettext(
                    'power_billing.msg_regulated_import_invalid',
                    import_=self.rec_name, reason=e.reason)) from e

    @classmethod
    @ModelView.button
    @Workflow.transition('reviewed')
    def review(cls, imports):
        "List every value of each file as new, changed or unchanged."
        Line = Pool().get('power.regulated.import.line')
        current = regulated_values()
        Line.delete([l for i in imports for l in i.lines])
        lines = []
        for import_ in imports:
            table, values = import_.read_values()
            import_.table = table
            for change in compare(table, current, values):
                lines.append(Line.from_change(import_, table, change))
        cls.save(imports)
        Line.save(lines)

    @classmethod
    @ModelView.button
    @Workflow.transition('activated')
    def activate(cls, imports):
        """Write the new and changed values as reviewed; refused when a
        value in force changed since the review."""
        pool = Pool()
        Line = pool.get('power.regulated.import.line')
        current = regulated_values()
        for import_ in imports:
            table, values = import_.read_values()
            reviewed = {l.reviewed() for l in import_.lines}
            now = {Line.from_change(import_, table, c).reviewed()
                for c in compare(table, current, values)}
            if reviewed != now:
                raise RegulatedImportError(gettext(
                        'power_billing.msg_regulated_import_stale',
                        import_=import_.rec_name))
            Line.apply([l for l in import_.lines if l.kind != 'same'])
            import_.activated_by = Transaction().user
            import_.activated_at = now_()
        cls.save(imports)

    @classmethod
    @ModelView.button
    @Workflow.transition('draft')
    def draft(cls, imports):
        Line = Pool().get('power.regulated.import.line')
        Line.delete([l for i in imports for l in i.lines])

    @classmethod
    @ModelView.button
    @Workflow.transition('cancelled')
    def cancel(cls, imports):
        pass


class RegulatedImportLine(ModelSQL, ModelView):
    "Regulated Value Import Line"
    __name__ = 'power.regulated.import.line'
    import_ = fields.Many2One('power.regulated.import', "Import",
        required=True, ondelete='CASCADE')
    name = fields.Char("Value", readonly=True)
    kind = fields.Selection([
            ('new', "New"),
            ('changed', "Changed"),
            ('same', "Unchanged"),
            ], "Change", readonly=True)
    before = fields.Numeric("In Force", digits=(16, 2), readonly=True)
    after = fields.Numeric("Imported", digits=(16, 2), readonly=True)
    source = fields.Char("Source", readonly=True)
    # the value's key, to write it
    area = fields.Many2One('power.grid_area', "Grid Area", readonly=True,
        ondelete='RESTRICT')
    voltage = fields.Selection([(None, '')] + CLASSES, "Voltage Class",
        readonly=True)
    menu_type = fields.Selection([(None, '')] + MENU_TYPES, "Menu Type",
        readonly=True)
    month = fields.Date("Month", readonly=True)
    fiscal_year = fields.Integer("Fiscal Year", readonly=True)
    prices = fields.Text("Prices", readonly=True,
        help="A day's 48 imported JEPX prices.")

    @classmethod
    def __setup__(cls):
        super().__setup__()
        cls.__access__.add('import_')
        cls._order = [('import_', 'ASC'), ('id', 'ASC')]

    @classmethod
    def from_change(cls, import_, table, change):
        """The line of a core Change of table (a day of market prices shows
        the day's averages and keeps its prices)."""
        line = cls(import_=import_, name=label(table, change.key),
            kind=change.kind, source=change.source)
        if table == 'market':
            line.before = _average(change.before)
            line.after = _average(change.after)
            line.prices = prices_text(change.after)
        else:
            line.before, line.after = change.before, change.after
            line.prices = None
        if table == 'market':
            code, line.month = change.key
            line.area = _area(import_, code)
        elif table == 'fuel':
            code, line.voltage, line.menu_type, line.month = change.key
            line.area = _area(import_, code)
        elif table == 'renewable':
            line.fiscal_year = change.key
        elif table == 'capacity':
            code, line.fiscal_year = change.key
            line.area = _area(import_, code)
        else:
            line.voltage, line.month = change.key
        return line

    def reviewed(self):
        "What staff saw of the line when they reviewed it."
        return (self.name, self.kind, self.before, self.after, self.source,
            self.prices)

    @classmethod
    def apply(cls, lines):
        "Write lines' values into the regulated tables (new or changed)."
        pool = Pool()
        models = {
            'fuel': (pool.get('power.regulated.fuel'), 'price', lambda l: [
                    ('area', '=', l.area.id), ('voltage', '=', l.voltage),
                    ('menu_type', '=', l.menu_type),
                    ('charge_month', '=', l.month)], lambda l: {
                    'area': l.area.id, 'voltage': l.voltage,
                    'menu_type': l.menu_type, 'charge_month': l.month}),
            'renewable': (pool.get('power.regulated.renewable'), 'price',
                lambda l: [('fiscal_year', '=', l.fiscal_year)],
                lambda l: {'fiscal_year': l.fiscal_year}),
            'subsidy': (pool.get('power.regulated.subsidy'), 'discount',
                lambda l: [('customer_class', '=', l.voltage),
                    ('usage_month', '=', l.month)],
                lambda l: {'customer_class': l.voltage,
                    'usage_month': l.month}),
            'capacity': (pool.get('power.regulated.capacity'), 'price',
                lambda l: [('area', '=', l.area.id),
                    ('fiscal_year', '=', l.fiscal_year)],
                lambda l: {'area': l.area.id, 'fiscal_year': l.fiscal_year}),
            'market': (pool.get('power.regulated.market_price'), 'prices',
                lambda l: [('area', '=', l.area.id), ('date', '=', l.month)],
                lambda l: {'area': l.area.id, 'date': l.month}),
            }
        for line in lines:
            Model, field, domain, key = models[line.import_.table]
            values = {field: line.prices if field == 'prices' else line.after,
                'source': line.source}
            if line.kind == 'changed':
                Model.write(Model.search(domain(line)), values)
            else:
                Model.create([{**key(line), **values}])


def _average(prices):
    "A day's average price, for the import's review."
    if prices is None:
        return None
    return (sum(prices) / len(prices)).quantize(Decimal('0.01'))


def _area(import_, code):
    "The grid area of a code an imported file names."
    GridArea = Pool().get('power.grid_area')
    areas = GridArea.search([('code', '=', code)], limit=1)
    if not areas:
        raise RegulatedImportError(gettext(
                'power_billing.msg_regulated_import_area',
                import_=import_.rec_name, area=code))
    return areas[0]
