"""The monthly statement of a payer with many sites (一括請求書): its due
date, its sums and checks, and its PDF."""
import datetime as dt
import io
from decimal import Decimal as D

import pytest

from power_core.errors import ValidationError
from power_core.notice import Retailer
from power_core.statement import (
    Site, Statement, due_date, month_of, render_batch, render_html,
    render_pdf)

RETAILER = Retailer('みらい電力株式会社', '東京都千代田区丸の内1-1-1',
    '0120-123-456', 'T5835678256246', 'A0123')


def site(n, total, tax, kwh=100, **values):
    base = dict(supply_point=f'03-0011-2233-4455-6677-{n:04d}',
        name=f'第{n}店舗', invoice=f'INV{n:05d}',
        start=dt.date(2026, 4, 10), end=dt.date(2026, 5, 10),
        kwh=D(kwh), total=total, tax=tax)
    base.update(values)
    return Site(**base)


def statement(sites, **values):
    base = dict(number='ST2026050001', retailer=RETAILER,
        customer_name='株式会社さくら商事', customer_number='C000777',
        postal_code='100-0005', address='東京都千代田区丸の内2-2-2',
        date=dt.date(2026, 6, 1), month=dt.date(2026, 5, 1),
        due_date=dt.date(2026, 6, 30), sites=tuple(sites))
    base.update(values)
    return Statement(**base)


def test_due_date_rules():
    assert due_date(dt.date(2026, 5, 1)) == dt.date(2026, 6, 30)
    assert due_date(dt.date(2026, 12, 1)) == dt.date(2027, 1, 31)
    assert due_date(dt.date(2024, 1, 1)) == dt.date(2024, 2, 29)
    assert due_date(dt.date(2026, 5, 1), 1, 25) == dt.date(2026, 6, 25)
    assert due_date(dt.date(2026, 11, 1), 2, 10) == dt.date(2027, 1, 10)
    assert month_of(dt.date(2026, 2, 28)) == dt.date(2026, 2, 1)
    with pytest.raises(ValidationError, match='1 to 28'):
        due_date(dt.date(2026, 5, 1), 1, 31)
    for months in (0, 4, -1):
        with pytest.raises(ValidationError, match='1 to 3 months after'):
            due_date(dt.date(2026, 5, 1), months)


def test_sums_are_the_site_bills():
    # each site's tax was rounded on its own bill: the statement adds the
    # taxes up, it never recomputes 10/110 of the total (which would give
    # 3,090 here, one yen more)
    s = statement([site(1, 11000, 1000), site(2, 5005, 455),
            site(3, 17993, 1635), site(4, -1100, -100, kwh=0,
                note='取消')])
    assert s.total == 32898
    assert s.tax == 2990
    assert s.untaxed == 29908
    assert s.kwh == D(300)
    assert s.to_pay == 32898
    paid = statement(s.sites, paid=5005)
    assert paid.to_pay == 27893
    assert statement(s.sites, paid=40000).to_pay == 0


def test_refusals():
    with pytest.raises(ValidationError, match='no site bill'):
        statement([])
    with pytest.raises(ValidationError, match='INV00001 twice'):
        statement([site(1, 1100, 100), site(1, 2200, 200)])
    with pytest.raises(ValidationError, match='tax 500 is more'):
        statement([site(1, 400, 500)])
    with pytest.raises(ValidationError, match='before its month'):
        statement([site(1, 1100, 100)], due_date=dt.date(2026, 4, 30))


def test_html_lists_every_site():
    s = statement([site(n, 11000 + n, 1000) for n in range(1, 31)],
        payment='口座振替（みずほ銀行 東京営業部）')
    html = render_html(s)
    assert '電気料金一括ご請求書（2026年5月分）' in html
    assert '株式会社さくら商事 御中' in html
    assert '登録番号 T5835678256246' in html
    assert html.count('<tr><td>') == 30
    assert 'INV00030' in html
    assert '4月10日〜5月9日' in html
    assert '330,465円' in html      # 30 × 11,000 + (1 + … + 30)
    assert '口座振替' in html


def test_pdf_of_many_sites():
    # 1,000 sites are measured by bench/statement.py
    from pypdf import PdfReader
    s = statement([site(n, 11000, 1000) for n in range(1, 121)])
    pdf = render_pdf(s)
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) >= 3
    last = reader.pages[-1].extract_text()
    assert '1,320,000' in last
    assert 'INV00120' in last
    # the column heads repeat on every page of the breakdown
    assert '供給地点特定番号' in reader.pages[2].extract_text()
    batch, pages = render_batch([s, statement([site(1, 1100, 100)],
                number='ST2026050002')])
    assert pages[0] == len(reader.pages) and pages[1] == 1
