"""The Excel link of rate menu versions: export a version's unit prices and
test cases to XLSX (xlsxwriter), read a changed file back (openpyxl) and
list the differences for a preview before anything is changed.

A version is exchanged as plain data:
{'prices': {(component code, key): price}, 'cases': {name: {field: value}}}
where key is a capacity, an upper kWh ('' for the last tier), or the
parameter name ('unit_price', 'percent', 'amount').
"""
import io
from decimal import Decimal, InvalidOperation

import openpyxl
import xlsxwriter

from power_core.errors import ValidationError

PRICES = 'Prices'
CASES = 'Test cases'
CASE_FIELDS = ('capacity', 'kwh', 'period_start', 'period_end',
    'fuel_adjustment', 'renewable_surcharge', 'subsidy', 'expected_total')
PRICE_HEADER = ('component', 'key', 'price')
MAX_ROWS = 10_000


def export_xlsx(title, data):
    "The XLSX bytes of a version's data."
    output = io.BytesIO()
    book = xlsxwriter.Workbook(output, {'in_memory': True})
    bold = book.add_format({'bold': True, 'bg_color': '#DDEBF7'})
    number = book.add_format({'num_format': '#,##0.00##'})
    sheet = book.add_worksheet(PRICES)
    sheet.write_row(0, 0, PRICE_HEADER, bold)
    for row, ((code, key), price) in enumerate(sorted(
                data['prices'].items()), 1):
        sheet.write_string(row, 0, code)
        sheet.write_string(row, 1, str(key))
        sheet.write_number(row, 2, float(price), number)
    sheet.set_column(0, 1, 16)
    sheet.set_column(2, 2, 12)
    sheet.freeze_panes(1, 0)
    sheet.write_string(0, 4, title)
    cases = book.add_worksheet(CASES)
    cases.write_row(0, 0, ('name',) + CASE_FIELDS, bold)
    for row, (name, values) in enumerate(sorted(data['cases'].items()), 1):
        cases.write_string(row, 0, name)
        for col, field in enumerate(CASE_FIELDS, 1):
            cases.write_string(row, col, str(values[field]))
    cases.set_column(0, len(CASE_FIELDS), 14)
    cases.freeze_panes(1, 1)
    book.close()
    return output.getvalue()


def plain(value):
    "A Decimal without trailing zeros nor exponent: 30.00 → 30, 29.80 → 29.8."
    value = Decimal(value).normalize()
    return value.quantize(Decimal(1)) if value == value.to_integral() else value


def _decimal(value, where):
    try:
        return plain(Decimal(str(value).strip()))
    except (InvalidOperation, AttributeError):
        raise ValidationError(f"{where}: {value!r} is not a number.",
            value) from None


def import_xlsx(content):
    """Read the data back; refuse a bad file saying sheet, row and why.
    Prices are read as written (xlsxwriter numbers round-trip exactly for
    prices of up to 4 decimals)."""
    try:
        book = openpyxl.load_workbook(io.BytesIO(content), read_only=True,
            data_only=True)
    except Exception as e:
        raise ValidationError(f"The file is not an XLSX workbook: {e}.",
            None) from e
    for name in (PRICES, CASES):
        if name not in book.sheetnames:
            raise ValidationError(f"The workbook has no sheet {name!r}.",
                name)
    data = {'prices': {}, 'cases': {}}
    rows = book[PRICES].iter_rows(values_only=True)
    header = next(rows, None)
    if not header or tuple(header[:3]) != PRICE_HEADER:
        raise ValidationError(f"Sheet {PRICES!r}: the first row must be "
            f"{', '.join(PRICE_HEADER)}.", header)
    for number, row in enumerate(rows, 2):
        if number > MAX_ROWS:
            raise ValidationError(f"Sheet {PRICES!r} has more than "
                f"{MAX_ROWS} rows.", number)
        code, key, price = (tuple(row) + (None,) * 3)[:3]
        if code is None and price is None:
            continue
        where = f"Sheet {PRICES!r} row {number}"
        key = '' if key is None else str(key).strip()
        if (str(code), key) in data['prices']:
            raise ValidationError(f"{where}: {code} {key} appears twice.",
                code)
        data['prices'][(str(code), key)] = _decimal(
            round(price, 4) if isinstance(price, float) else price, where)
    rows = book[CASES].iter_rows(values_only=True)
    header = next(rows, None)
    expected = ('name',) + CASE_FIELDS
    if not header or tuple(header[:len(expected)]) != expected:
        raise ValidationError(f"Sheet {CASES!r}: the first row must be "
            f"{', '.join(expected)}.", header)
    for number, row in enumerate(rows, 2):
        row = (tuple(row) + (None,) * len(expected))[:len(expected)]
        if all(v is None for v in row):
            continue
        name, *values = row
        where = f"Sheet {CASES!r} row {number}"
        if not name:
            raise ValidationError(f"{where}: the name is empty.", number)
        if str(name) in data['cases']:
            raise ValidationError(f"{where}: {name} appears twice.", name)
        case = {}
        for field, value in zip(CASE_FIELDS, values):
            if value is None:
                raise ValidationError(f"{where}: {field} is empty.", field)
            case[field] = (str(value)[:10] if field.startswith('period')
                else _decimal(value, f"{where} {field}"))
        data['cases'][str(name)] = case
    return data


def differences(old, new):
    """Human-readable changes from old to new data, for the preview.

    >>> differences({'prices': {('energy', '120'): Decimal('29.80')},
    ...     'cases': {}}, {'prices': {('energy', '120'): Decimal('29.9')},
    ...     'cases': {}})
    ['energy 120: 29.8 → 29.9']
    """
    changes = []
    for key in sorted(set(old['prices']) | set(new['prices'])):
        before = old['prices'].get(key)
        after = new['prices'].get(key)
        label = f'{key[0]} {key[1]}'.strip()
        before = plain(before) if before is not None else None
        after = plain(after) if after is not None else None
        if after is None:
            changes.append(f'{label}: removed')
        elif before is None:
            changes.append(f'{label}: added {after}')
        elif before != after:
            changes.append(f'{label}: {before} → {after}')
    for name in sorted(set(old['cases']) | set(new['cases'])):
        before, after = old['cases'].get(name), new['cases'].get(name)
        if before is None:
            changes.append(f'test case {name}: added')
        elif after is None:
            changes.append(f'test case {name}: removed')
        else:
            for field in CASE_FIELDS:
                if str(before[field]) != str(after[field]):
                    changes.append(f'test case {name} {field}: '
                        f'{before[field]} → {after[field]}')
    return changes
