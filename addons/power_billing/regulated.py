# This file is part of the power retailer CIS.  The COPYRIGHT file at the
# top level of this repository contains the full copyright notices and license terms.
"""Regulated values as dated data in the database: fuel cost adjustment unit
prices, the renewable energy surcharge and government subsidies. Staff edit
them in the web client or import them (Tryton's CSV import, or the data
pack); every change is kept in the record's history."""
import datetime as dt
from decimal import Decimal

from power_core.tariff.regulated import RegulatedValues, month

from trytond.model import ModelSQL, ModelView, Unique, fields
from trytond.pool import Pool
from trytond.transaction import Transaction

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


def regulated_values():
    """The regulated values of the database for the engine, read in SQL
    (each billing chunk reads them: thousands of monthly prices)."""
    pool = Pool()
    cursor = Transaction().connection.cursor()
    values = RegulatedValues()
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
    Subsidy_ = pool.get('power.regulated.subsidy')
    rows = [{'customer_class': c, 'usage_month': m, 'discount': d,
            'source': source(('subsidy', (c, m)))}
        for (c, m), d in pack.subsidy.items() if (c, m) not in known.subsidy]
    Subsidy_.create(rows)
    return added + len(rows)
