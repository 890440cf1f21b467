"""Reading a month's published regulated values from the file staff
import (CSV or XLSX), and comparing it with what is in force."""
import datetime as dt
import io
from decimal import Decimal as D

import pytest
import xlsxwriter

from power_core.data import REGULATED
from power_core.errors import ValidationError
from power_core.tariff.regulated import (
    RegulatedValues, compare, label, read_file)

CURRENT = RegulatedValues.from_folder(REGULATED)
FUEL = ('# 燃料費調整単価 2025年10月分\n'
    'area,voltage,menu_type,charge_month,price,source\n'
    '03,low,free,2025-10,-7.80,"TEPCO EP notice, 2025-10"\n'
    '03,low,free,2025-09,-7.50,tess-eng.co.jp\n'
    '03,high,free,2025-09,-1.50,a correction\n')


def test_a_csv_of_fuel_adjustments_and_its_changes():
    table, values = read_file(FUEL.encode(), 'fuel-2025-10.csv')
    assert table == 'fuel'
    assert values.fuel_adjustment('03', 'free', dt.date(2025, 10, 1)) == D(
        '-7.80')
    assert values.sources[('fuel', ('03', 'low', 'free',
                dt.date(2025, 10, 1)))] == 'TEPCO EP notice, 2025-10'
    changes = {label('fuel', c.key): (c.kind, c.before, c.after)
        for c in compare(table, CURRENT, values)}
    assert changes == {
        'area 03 low voltage free 2025-10': ('new', None, D('-7.80')),
        'area 03 low voltage free 2025-09': ('same', D('-7.50'), D('-7.50')),
        'area 03 high voltage free 2025-09': (
            'changed', D('-1.48'), D('-1.50')),
        }


def test_shift_jis_csv_and_an_xlsx_sheet():
    text = ('customer_class,usage_month,discount,source\n'
        'low,2026-04,0,資源エネルギー庁: 支援なし\n')
    table, values = read_file(text.encode('cp932'), '支援.csv')
    assert values.sources[('subsidy', ('low', dt.date(2026, 4, 1)))] == (
        '資源エネルギー庁: 支援なし')
    output = io.BytesIO()
    book = xlsxwriter.Workbook(output)
    sheet = book.add_worksheet()
    sheet.write_row(0, 0, ['area', 'voltage', 'menu_type', 'charge_month',
            'price', 'source'])
    # the area typed as a number, the month as a date, the price as -7.5
    sheet.write_row(1, 0, [3, 'low', 'regulated'])
    sheet.write_datetime(1, 3, dt.datetime(2025, 10, 1),
        book.add_format({'num_format': 'yyyy-mm'}))
    sheet.write_row(1, 4, [-7.8, 'TEPCO EP'])
    book.close()
    table, values = read_file(output.getvalue(), 'fuel.xlsx')
    assert values.fuel == {
        ('03', 'low', 'regulated', dt.date(2025, 10, 1)): D('-7.8')}


@pytest.mark.parametrize('text, error', [
    ('area,price\n03,1\n', 'the first row must name the columns of one '
        'table'),
    ('fiscal_year,price,source\n', 'no values'),
    (FUEL.replace('-7.80', 'abc'), "fuel.csv line 3: 'abc' is not a number"),
    (FUEL.replace('03,low,free,2025-10', '13,low,free,2025-10'),
        "fuel.csv line 3: '13' is not one of 01, 02"),
    (FUEL.replace('a correction', ''), 'fuel.csv line 5: no source'),
    (FUEL + '03,high,free,2025-09,-1.52,again\n',
        'fuel.csv line 6: .* is given twice'),
    ('customer_class,usage_month,discount,source\nlow,2026-4x,0,s\n',
        "fuel.csv line 2: '2026-4x' is not a month"),
    ('customer_class,usage_month,discount,source\nlow,2026-04,-1,s\n',
        'fuel.csv line 2: a discount is positive'),
    ])
def test_a_bad_file_is_refused_saying_where(text, error):
    with pytest.raises(ValidationError, match=error):
        read_file(text.encode(), 'fuel.csv')


def test_a_file_that_is_neither_text_nor_a_workbook():
    with pytest.raises(ValidationError, match='not UTF-8 or Shift_JIS'):
        read_file(b'\xff\xfe\x00\x81\x00', 'fuel.csv')
    with pytest.raises(ValidationError, match='fuel.xlsx: not an XLSX'):
        read_file(b'PK not really', 'fuel.xlsx')
