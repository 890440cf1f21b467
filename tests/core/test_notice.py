"""The bill notice: its content, its checks and its PDF."""
import datetime as dt
import re
from decimal import Decimal as D

import pytest

from power_core.errors import ValidationError
from power_core.notice import (
    Month, Notice, NoticeLine, Retailer, jdate, period, price, render_html,
    render_pdf, yen)

RETAILER = Retailer('みらい電力株式会社', '東京都千代田区丸の内1-1-1',
    '0120-123-456（平日9時〜18時）', 'T5835678256246', 'A0123')


def notice(**values):
    # 935.25 + 120 × 29.80 + 140 × 36.40 = 9607.25 → 9607 (tax included),
    # less an adjustment of 120 → 9487; its tax is 9487 × 10/110 → 862
    base = dict(retailer=RETAILER, customer_name='山田 太郎',
        customer_number='C000123', contract_number='K000456',
        supply_point_number='03-0011-2233-4455-6677-8899',
        menu='みらい従量電灯B',
        period_start=dt.date(2026, 5, 12), period_end=dt.date(2026, 6, 11),
        kwh=D(260), lines=(
            NoticeLine('基本料金', D('935.25'), D(30), 'A', D('31.175')),
            NoticeLine('電力量料金 第1段階', D('3576.00'), D(120), 'kWh',
                D('29.8')),
            NoticeLine('電力量料金 第2段階', D('5096.00'), D(140), 'kWh',
                D('36.40'))),
        adjustments=(NoticeLine('訂正による調整', D(-120)),),
        total=9487, tax=862, due_date=dt.date(2026, 7, 11),
        issue_date=dt.date(2026, 6, 12), capacity='30A',
        history=tuple(Month(dt.date(2025 + (5 + i) // 12, (5 + i) % 12 + 1,
                    1), D(200 + 5 * i), 7000 + 100 * i)
            for i in range(13)))
    base.update(values)
    return Notice(**base)


def text(html):
    return re.sub(r'\s+', ' ', re.sub(r'<[^>]+>', ' ', html))


def test_notice_shows_what_the_customer_reads():
    page = text(render_html(notice()))
    for expected in ['電気ご使用量・ご請求額のお知らせ（2026年6月分）',
            '山田 太郎 様', '9,487 円', '2026年7月11日', '260 kWh',
            '5月12日〜6月10日（30日間）', '検針日 2026年6月11日',
            '基本料金 30 A 31.175 935.25', '120 kWh 29.80 3,576',
            '訂正による調整 -120', '10%対象 9,487 円のうち消費税等相当額 862',
            '登録番号 T5835678256246', '小売電気事業者登録番号 A0123',
            '前年同月 200 kWh', '1日あたり 8.7 kWh']:
        assert expected in page, expected


def test_a_point_metered_on_the_first_is_billed_for_the_month_used():
    # September 2026 used, read on October 1: 2026年9月分, and the history
    # bar of September is this bill's
    bill = notice(period_start=dt.date(2026, 9, 1),
        period_end=dt.date(2026, 10, 1), metered_on_first=True,
        history=(Month(dt.date(2026, 8, 1), D(250), 8000),
            Month(dt.date(2026, 9, 1), D(260), 9487)))
    assert bill.charge_month == dt.date(2026, 9, 1)
    assert '（2026年9月分）' in text(render_html(bill))
    assert [m.month for m, _, this in bill.history_rows if this] == [
        dt.date(2026, 9, 1)]
    # read on other days, the reading day's month
    assert notice(period_start=dt.date(2026, 9, 1),
        period_end=dt.date(2026, 10, 1)).charge_month == dt.date(2026, 10, 1)


def test_lines_must_add_up_to_the_total():
    with pytest.raises(ValidationError, match='add up to 9487'):
        notice(total=9600)


def test_period_must_run_forward():
    with pytest.raises(ValidationError, match='before it starts'):
        notice(period_end=dt.date(2026, 5, 12))


def test_customer_text_is_escaped():
    page = render_html(notice(customer_name='<script>alert(1)</script>'))
    assert '<script>' not in page
    assert '&lt;script&gt;' in page


def test_estimated_and_cancelled_are_marked():
    page = text(render_html(notice(estimated=True, cancelled=True)))
    assert '推定値' in page and '取消済' in page
    assert '推定値' not in text(render_html(notice()))


def test_this_month_bar_is_highlighted_and_scaled_to_the_peak():
    rows = notice().history_rows
    assert [r[2] for r in rows].count(True) == 1 and rows[-1][2]
    assert rows[-1][1] == 100 and rows[0][1] == 76  # 200 / 260


def test_formats():
    assert yen(D('12345')) == '12,345' and yen(D('-236.60')) == '-236.60'
    assert price(D('29.8')) == '29.80' and price(D('31.175')) == '31.175'
    assert jdate(dt.date(2026, 5, 1), 'month') == '2026年5月'


def test_pdf_has_one_page_per_notice():
    import weasyprint
    notices = [notice(), notice(customer_name='佐藤 花子')]
    assert render_pdf(notices).startswith(b'%PDF')
    # 13 months of history and an adjustment still fit on one A4 page
    document = weasyprint.HTML(string=render_html(notices)).render()
    assert len(document.pages) == 2


def test_nothing_to_print_is_an_error():
    with pytest.raises(ValidationError, match='no bill notice'):
        render_html([])


def test_registration_code_printed_only_when_given():
    "A customer without a portal account reads their registration code"
    page = text(render_html(notice(registration_code='K7M2-Q9ZX-4PTA')))
    assert '登録コード： K7M2-Q9ZX-4PTA' in page
    assert '登録コード' not in text(render_html(notice()))


def test_period_ends_the_day_before_the_reading_day():
    "[start, end): the period ends the day before the reading day; the portal prints the same text (issue 22 item 7)"
    start, end = dt.date(2025, 10, 10), dt.date(2025, 11, 10)
    assert period(start, end) == '2025年10月10日〜2025年11月9日'
    assert period(start, end, 'short') == '10月10日〜11月9日'
    page = text(render_html(notice(period_start=start, period_end=end)))
    assert '10月10日〜11月9日（31日間）' in page
    assert '検針日 2025年11月10日' in page
    assert '〜11月10日' not in page
