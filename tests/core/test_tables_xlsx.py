"""The BI workbooks as a Japanese office opens them: the filter over the
header and the data only (the totals row stays put when sorting), dates
written 2026年12月7日, amounts with thousands separators, the Japanese
font."""
import datetime as dt
import io
from decimal import Decimal

import openpyxl

from power_core.tables import Column, Table, write_xlsx


def test_filter_dates_font():
    table = Table(title='請求一覧', columns=[
            Column('name', 'お客さま'), Column('date', '請求日', 'date'),
            Column('amount', '請求額', 'yen', total=True)],
        rows=[{'name': '山田', 'date': dt.date(2026, 12, 7),
                'amount': Decimal(12345)},
            {'name': '佐藤', 'date': dt.date(2026, 11, 7),
                'amount': Decimal(2000)}])
    book = openpyxl.load_workbook(io.BytesIO(write_xlsx([table])))
    sheet = book.active
    # header row 1, data rows 2-3, totals row 4 outside the filter
    assert sheet.auto_filter.ref == 'A1:C3'
    assert sheet['A4'].value == '合計' and sheet['C4'].value == 14345
    assert sheet['B2'].number_format == 'yyyy"年"m"月"d"日"'
    assert sheet['C2'].number_format == '#,##0'
    assert sheet['A2'].font.name == '游ゴシック'
    assert table.totals == {'amount': 14345}


def test_filter_of_an_empty_table():
    table = Table(title='空', columns=[Column('name', '名前')], rows=[])
    book = openpyxl.load_workbook(io.BytesIO(write_xlsx([table])))
    assert book.active.auto_filter.ref == 'A1'
