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

from power_core.areas import AREAS
from power_core.errors import RegulatedValueMissing, ValidationError
from power_core.tariff import market
from power_core.tariff.market import MarketPrices


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
    # 容量拠出金相当額: (area, fiscal year April–March) → yen/kWh
    capacity: dict = field(default_factory=dict)
    sources: dict = field(default_factory=dict)
    # JEPX area prices for market-linked menus (power_core.tariff.market)
    market: MarketPrices = field(default_factory=MarketPrices)

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

    def capacity_contribution(self, area, charge_month):
        """The capacity contribution pass-through (容量拠出金相当額) per kWh
        of area for the fiscal year (April to March) of the charge month;
        an error naming both when the retailer has not set it."""
        charge_month = month(charge_month)
        year = charge_month.year - (charge_month.month < 4)
        try:
            return self.capacity[(area, year)]
        except KeyError:
            raise RegulatedValueMissing(
                f"No capacity contribution unit price for area {area}, "
                f"fiscal year {year} (charge month {charge_month:%Y-%m}).",
                (area, year)) from None

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
        for table, (name, columns) in TABLES.items():
            with open(folder / name, newline='', encoding='utf-8') as file:
                for row, where in _records(file, name, columns):
                    values._read(table, row, where)
        return values

    def _read(self, table, row, where):
        "Add one row of table, checked; refused saying where and why."
        if table == 'fuel':
            key = (_area(row['area'], where),
                _choice(row['voltage'], VOLTAGES, where),
                _choice(row['menu_type'], MENU_TYPES, where),
                _month(row['charge_month'], where))
            value = _decimal(row['price'], where)
        elif table == 'renewable':
            key = _int(row['fiscal_year'], where)
            value = _decimal(row['price'], where)
        elif table == 'capacity':
            key = (_area(row['area'], where),
                _int(row['fiscal_year'], where))
            value = _decimal(row['price'], where)
        else:
            key = (_choice(row['customer_class'], VOLTAGES, where),
                _month(row['usage_month'], where))
            value = _decimal(row['discount'], where)
            if value < 0:
                raise ValidationError(
                    f"{where}: a discount is positive ({value}).", value)
        self._add(table, key, value, row['source'], where)

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


# table: (file of the data pack, columns)
TABLES = {
    'fuel': ('fuel_adjustment.csv',
        ('area', 'voltage', 'menu_type', 'charge_month', 'price', 'source')),
    'renewable': ('renewable_surcharge.csv',
        ('fiscal_year', 'price', 'source')),
    'subsidy': ('subsidy.csv',
        ('customer_class', 'usage_month', 'discount', 'source')),
    'capacity': ('capacity_contribution.csv',
        ('area', 'fiscal_year', 'price', 'source')),
    }
MAX_ROWS = 10_000


def _records(lines, name, columns):
    """(row, 'name line N') of CSV text lines; '#' lines are comments and
    empty lines are skipped (both still count, so N is the line an editor
    shows)."""
    header = None
    for number, line in enumerate(lines, 1):
        if number > MAX_ROWS:
            raise ValidationError(
                f"{name}: more than {MAX_ROWS} lines.", name)
        if line.startswith('#') or not line.strip():
            continue
        cells = next(csv.reader([line]))
        if header is None:
            header = [c.strip() for c in cells]
            missing = set(columns) - set(header)
            if missing:
                raise ValidationError(f"{name}: missing columns "
                    f"{', '.join(sorted(missing))}.", name)
            continue
        if not any(c.strip() for c in cells):
            continue
        yield dict(zip(header, cells + [''] * (len(header) - len(cells)))), (
            f"{name} line {number}")
    if header is None:
        raise ValidationError(f"{name}: no header row.", name)


def read_file(content, filename):
    """The table and the values of one file staff import (CSV in UTF-8 or
    Shift_JIS, or the first sheet of an XLSX workbook), whose header names
    the columns of one table (TABLES); a bad file is refused naming the
    file, the line and why, and nothing of it is kept.

    >>> table, values = read_file(
    ...     b'customer_class,usage_month,discount,source\\nlow,2026-04,0,METI\\n',
    ...     'subsidy.csv')
    >>> table, values.subsidy
    ('subsidy', {('low', datetime.date(2026, 4, 1)): Decimal('0')})
    """
    if filename.lower().endswith('.xlsx'):
        lines = _xlsx_lines(content, filename)
    else:
        lines = _text(content, filename).splitlines(keepends=True)
    header = next((l for l in lines if l.strip() and not l.startswith('#')),
        '')
    names = {n.strip() for n in next(csv.reader([header]), [])}
    if {market.DATE_COLUMN, market.SLOT_COLUMN} <= names:
        values = RegulatedValues(market=market.read_jepx(lines, filename,
                f"JEPX day-ahead results ({filename})"))
        return 'market', values
    # the table whose columns are all there, the most specific one (the
    # capacity contribution's include the surcharge's)
    tables = [t for t, (_, columns) in TABLES.items()
        if set(columns) <= names]
    widest = max((len(TABLES[t][1]) for t in tables), default=0)
    tables = [t for t in tables if len(TABLES[t][1]) == widest]
    if len(tables) != 1:
        raise ValidationError(
            f"{filename}: the first row must name the columns of one table: "
            + '; '.join(f"{t}: {', '.join(c)}"
                for t, (_, c) in TABLES.items())
            + f"; or JEPX's day-ahead results ({market.DATE_COLUMN}, "
            f"{market.SLOT_COLUMN}, {market.AREA_COLUMN.format('東京')}, "
            "...).", filename)
    table, = tables
    values = RegulatedValues()
    for row, where in _records(lines, filename, TABLES[table][1]):
        values._read(table, row, where)
    if not getattr(values, table):
        raise ValidationError(f"{filename}: no values.", filename)
    return table, values


def _text(content, filename):
    "CSV text: UTF-8 (with or without BOM), else Shift_JIS as Excel saves."
    for encoding in ('utf-8-sig', 'cp932'):
        try:
            return content.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ValidationError(
        f"{filename}: not UTF-8 or Shift_JIS text.", filename)


def _xlsx_lines(content, filename):
    "The first sheet of a workbook as CSV lines (a cell's text as shown)."
    import io

    import openpyxl
    try:
        book = openpyxl.load_workbook(io.BytesIO(content), read_only=True,
            data_only=True)
    except Exception as e:
        raise ValidationError(
            f"{filename}: not an XLSX workbook ({e}).", filename) from e
    output = io.StringIO()
    writer = csv.writer(output, lineterminator='\n')
    for row in book.worksheets[0].iter_rows(values_only=True):
        writer.writerow([_cell(v) for v in row])
    return output.getvalue().splitlines(keepends=True)


def _cell(value):
    if value is None:
        return ''
    if isinstance(value, dt.datetime | dt.date):
        return f'{value:%Y-%m}'
    if isinstance(value, float):
        # a price typed as -7.5 is stored as a binary float
        return str(Decimal(repr(round(value, 4))).normalize())
    return ' '.join(str(value).split())


def label(table, key):
    """A value's key as staff read it.

    >>> label('fuel', ('03', 'high', 'free', dt.date(2025, 9, 1)))
    'area 03 high voltage free 2025-09'
    """
    if table == 'fuel':
        area, voltage, menu_type, charge_month = key
        return (f"area {area} {VOLTAGES[voltage]} {menu_type} "
            f"{charge_month:%Y-%m}")
    if table == 'renewable':
        return f"FY{key}"
    if table == 'market':
        area, day = key
        return f"area {area} {day:%Y-%m-%d}"
    if table == 'capacity':
        area, year = key
        return f"area {area} FY{year}"
    customer_class, usage_month = key
    return f"{VOLTAGES[customer_class]} {usage_month:%Y-%m}"


@dataclass(frozen=True)
class Change:
    "One value of an imported table against what is in force."
    key: object
    before: object       # a Decimal, a day's prices, or None when new
    after: object
    source: str

    @property
    def kind(self):
        if self.before is None:
            return 'new'
        return 'same' if self.before == self.after else 'changed'


def compare(table, current, incoming):
    """The Changes of incoming's table against current (RegulatedValues);
    a market price Change compares a day's 48 prices."""
    if table == 'market':
        changes = []
        for key, prices in sorted(incoming.market.days.items()):
            try:
                before = current.market.day(*key)
            except RegulatedValueMissing:
                before = None
            changes.append(Change(key, before, prices,
                    incoming.market.sources[key]))
        return changes
    before = getattr(current, table)
    return [Change(key, before.get(key), value,
            incoming.sources[(table, key)])
        for key, value in sorted(getattr(incoming, table).items())]


def _area(text, where):
    "A grid area code; a spreadsheet's 3 is area 03."
    value = (text or '').strip()
    return _choice(value.zfill(2) if value.isdigit() else value, AREAS,
        where)


def _parsed(parse, errors, what):
    "A reader of one cell with parse; a cell it cannot read is not what."
    def read(text, where):
        try:
            return parse(text.strip())
        except errors as e:
            raise ValidationError(f"{where}: {text!r} is not {what}.",
                text) from e
    return read


_decimal = _parsed(Decimal, Exception, "a number")
_int = _parsed(int, ValueError, "a year")
_month = _parsed(month, (ValueError, TypeError), "a month (YYYY-MM)")
