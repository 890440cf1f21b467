"""Regulated values as dated data: fuel cost adjustment unit prices,
the renewable energy surcharge and government subsidy discounts.

They are loaded from data (CSV in the shipped data pack, database records
in the Tryton module), never written in code. A lookup with no value fails
with a message saying what is missing; it never silently uses zero.
"""
import csv
import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from power_core.errors import RegulatedValueMissing, ValidationError


def charge_fiscal_year(charge_month):
    """The fiscal year of the renewable surcharge for a low-voltage charge
    month: May charges to the next April charges (docs/domain.md §1.8).

    >>> charge_fiscal_year(dt.date(2025, 5, 1)), charge_fiscal_year(dt.date(2026, 4, 1))
    (2025, 2025)
    """
    return charge_month.year if charge_month.month >= 5 else (
        charge_month.year - 1)


def month(value):
    "A date for the first of the month of value ('2025-02' or a date)."
    if isinstance(value, dt.date):
        return value.replace(day=1)
    year, month_ = str(value).split('-')[:2]
    return dt.date(int(year), int(month_), 1)


@dataclass
class RegulatedValues:
    """Unit prices in yen per kWh, tax included.

    fuel: (area, voltage class, menu type, charge month) → price; voltage
    class 'low' (低圧) or 'high' (高圧); menu type 'regulated' (capped,
    特定小売) or 'free'.
    renewable: fiscal year → price.
    subsidy: (customer class, usage month) → discount per kWh (positive);
    a month without a programme is declared with 0, and a month not
    declared at all cannot be billed.
    sources: (table, key) → where the value was published.
    """
    fuel: dict = field(default_factory=dict)
    renewable: dict = field(default_factory=dict)
    subsidy: dict = field(default_factory=dict)
    sources: dict = field(default_factory=dict)

    def fuel_adjustment(self, area, menu_type, charge_month, voltage='low'):
        key = (area, voltage, menu_type, month(charge_month))
        try:
            return self.fuel[key]
        except KeyError:
            raise RegulatedValueMissing(
                f"No fuel cost adjustment unit price for area {area}, "
                f"{VOLTAGES.get(voltage, voltage)}, {menu_type} menus, "
                f"charge month {month(charge_month):%Y-%m}.", key) from None

    def renewable_surcharge(self, charge_month):
        year = charge_fiscal_year(month(charge_month))
        try:
            return self.renewable[year]
        except KeyError:
            raise RegulatedValueMissing(
                f"No renewable energy surcharge for fiscal year {year} "
                f"(charge month {month(charge_month):%Y-%m}).", year) from None

    def subsidy_discount(self, customer_class, usage_month):
        """The discount per kWh of the usage month: 0 where the month is
        declared without a programme, an error where it is not declared
        (a programme may be announced for it: never assume none)."""
        key = (customer_class, month(usage_month))
        try:
            return self.subsidy[key]
        except KeyError:
            raise RegulatedValueMissing(
                f"No government subsidy declared for "
                f"{VOLTAGES.get(customer_class, customer_class)}, usage "
                f"month {key[1]:%Y-%m}: import the published discount, or "
                f"0 with its source for a month without a programme.",
                key) from None

    @classmethod
    def from_folder(cls, folder):
        """Load fuel_adjustment.csv, renewable_surcharge.csv and
        subsidy.csv from a folder; every bad row is refused with its file
        and line."""
        folder = Path(folder)
        values = cls()
        for row, where in _rows(folder / 'fuel_adjustment.csv',
                ('area', 'voltage', 'menu_type', 'charge_month', 'price',
                    'source')):
            key = (row['area'], _choice(row['voltage'], VOLTAGES, where),
                _choice(row['menu_type'], MENU_TYPES, where),
                _month(row['charge_month'], where))
            values._add('fuel', key, _decimal(row['price'], where),
                row['source'], where)
        for row, where in _rows(folder / 'renewable_surcharge.csv',
                ('fiscal_year', 'price', 'source')):
            values._add('renewable', _int(row['fiscal_year'], where),
                _decimal(row['price'], where), row['source'], where)
        for row, where in _rows(folder / 'subsidy.csv',
                ('customer_class', 'usage_month', 'discount', 'source')):
            key = (_choice(row['customer_class'], VOLTAGES, where),
                _month(row['usage_month'], where))
            values._add('subsidy', key, _decimal(row['discount'], where),
                row['source'], where)
        return values

    def _add(self, table, key, value, source, where):
        "One sourced value; a key given twice or without a source is refused."
        if not (source or '').strip():
            raise ValidationError(f"{where}: no source.", key)
        values = getattr(self, table)
        if key in values:
            raise ValidationError(f"{where}: {key} is given twice.", key)
        values[key] = value
        self.sources[(table, key)] = source.strip()


VOLTAGES = {'low': 'low voltage', 'high': 'high voltage'}
MENU_TYPES = {'regulated': 'regulated', 'free': 'free'}


def _choice(text, choices, where):
    value = (text or '').strip()
    if value not in choices:
        raise ValidationError(
            f"{where}: {text!r} is not one of {', '.join(choices)}.", text)
    return value


def _rows(path, columns):
    with open(path, newline='', encoding='utf-8') as file:
        reader = csv.DictReader(
            line for line in file if not line.startswith('#'))
        missing = set(columns) - set(reader.fieldnames or ())
        if missing:
            raise ValidationError(
                f"{path.name}: missing columns {', '.join(sorted(missing))}.",
                path.name)
        for number, row in enumerate(reader, start=2):
            yield row, f"{path.name} line {number}"


def _decimal(text, where):
    try:
        return Decimal(text.strip())
    except Exception as e:
        raise ValidationError(f"{where}: {text!r} is not a number.",
            text) from e


def _int(text, where):
    try:
        return int(text.strip())
    except ValueError as e:
        raise ValidationError(f"{where}: {text!r} is not a year.",
            text) from e


def _month(text, where):
    try:
        return month(text.strip())
    except (ValueError, TypeError) as e:
        raise ValidationError(
            f"{where}: {text!r} is not a month (YYYY-MM).", text) from e
