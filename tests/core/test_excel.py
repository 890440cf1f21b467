import datetime as dt
from decimal import Decimal as D

import openpyxl
import io
import pytest

from power_core.errors import ValidationError
from power_core.tariff.excel import (
    differences, export_xlsx, import_xlsx)

DATA = {
    'prices': {('basic', '30'): D('935.25'), ('basic', '40'): D('1247'),
        ('energy', '120'): D('29.8'), ('energy', ''): D('40.49'),
        ('discount', 'percent'): D('3'), ('per_kva', 'unit_price'): D('31.175')},
    'cases': {'30A 260kWh': {'capacity': D(30), 'kwh': D(260),
            'period_start': '2025-01-10', 'period_end': '2025-02-10',
            'fuel_adjustment': D('-6.5'), 'renewable_surcharge': D('3.49'),
            'subsidy': D('2.5'), 'expected_total': D(8174)}},
    }


def test_round_trip():
    content = export_xlsx('従量電灯B 2024-04-01', DATA)
    assert import_xlsx(content) == DATA
    book = openpyxl.load_workbook(io.BytesIO(content))
    assert book.sheetnames == ['Prices', 'Test cases']
    assert book['Prices']['A1'].value == 'component'


def test_differences_after_edit():
    book = openpyxl.load_workbook(io.BytesIO(export_xlsx('v', DATA)))
    for row in book['Prices'].iter_rows(min_row=2):
        if row[0].value == 'energy' and row[1].value == '120':
            row[2].value = 29.9
    book['Test cases']['I2'] = '8186'
    out = io.BytesIO()
    book.save(out)
    new = import_xlsx(out.getvalue())
    assert differences(DATA, new) == [
        'energy 120: 29.8 → 29.9',
        'test case 30A 260kWh expected_total: 8174 → 8186']


@pytest.mark.parametrize('mutate, words', [
    (lambda b: b.remove(b['Test cases']), "no sheet 'Test cases'"),
    (lambda b: b['Prices'].cell(1, 1, 'x'), 'first row must be'),
    (lambda b: b['Prices'].cell(2, 3, 'abc'), "row 2: 'abc' is not a number"),
    (lambda b: b['Test cases']['C2'].__setattr__('value', None),
        'kwh is empty'),
    (lambda b: b['Prices'].append(['basic', '30', 1]), 'appears twice'),
    ])
def test_bad_files_refused(mutate, words):
    book = openpyxl.load_workbook(io.BytesIO(export_xlsx('v', DATA)))
    mutate(book)
    out = io.BytesIO()
    book.save(out)
    with pytest.raises(ValidationError, match=words):
        import_xlsx(out.getvalue())


def test_not_a_workbook():
    with pytest.raises(ValidationError, match='not an XLSX workbook'):
        import_xlsx(b'PK\x03\x04 broken')
